"""Validations off the event loop: a fixed number of worker processes, each doing one job at a time.

Processes, not threads: the engine keeps per-run state in the process (which code list editions
a run used, for the report), a validation is CPU work that threads would share one core for, and
a worker that overruns its time can be stopped without leaving anything half done in the server.

    pool = WorkerPool(size=2, queue_seconds=10, setup=jobs.setup, setup_args=(config_path,))
    await pool.start()
    async with pool.admitted():                  # Busy when the workers and the waiting places are taken
        result = await pool.run(jobs.report, body, "json", "nb", "melding")   # function(path, *args) in a worker
    await pool.stop()

A job's function is a module-level function ``function(path, *args)``; it is given the request's
memory file as ``path`` (/proc/self/fd/N: the worker's own descriptor of it, passed over a Unix
socket), and what it returns is sent back (pickled). No free worker within ``queue_seconds``:
:class:`Busy`. A job cancelled (the request's time limit, a client gone) has its worker killed
and a fresh one started in its place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import reduction
from pathlib import Path

log = logging.getLogger("kad_spec.service")
START_SECONDS = 120  # a worker compiles the schema, the rules and the code lists as it starts


class Busy(Exception):
    """Every worker is busy and stayed so for the queue time (503 with Retry-After)."""


class WorkerFailed(Exception):
    """A worker died or its job raised (the text is the exception's type: never its message, which may quote data)."""


class WorkerGone(WorkerFailed):
    """The worker was gone before it was given the job (killed between jobs): another may take it."""


class Worker:
    """One worker process and the socket to it."""

    def __init__(self, context, setup, setup_args):
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(child, setup, setup_args), daemon=True,
                                       name="kad-spec-validering")
        self.process.start()
        child.close()

    def wait_ready(self) -> None:
        if not self.conn.poll(START_SECONDS):
            raise WorkerFailed("no answer at start")
        if self.conn.recv() != "ready":
            raise WorkerFailed("setup failed")

    def call(self, function, fd: int, args: tuple):
        """Blocking: the job to the worker, the memory file after it, and its answer back."""
        try:
            self.conn.send((function, args))
            reduction.send_handle(self.conn, fd, self.process.pid)
        except OSError:
            raise WorkerGone("worker gone") from None
        try:
            return self.conn.recv()  # (True, the function's value) or (False, the type of its exception)
        except (EOFError, OSError):
            raise WorkerFailed("worker stopped") from None

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def _serve(conn, setup, setup_args) -> None:
    """The worker's loop: set up once, then one job at a time until the server closes the socket."""
    import signal

    from kad_spec import output

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group: the server stops the workers
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    output.install()  # what a worker writes itself (a warning) passes the output boundary, as the server's does
    try:
        setup(*setup_args)
    except Exception:  # noqa: BLE001 - said to the server as a failed start, without the data
        conn.send("failed")
        return
    conn.send("ready")
    while True:
        try:
            function, args = conn.recv()
            fd = reduction.recv_handle(conn)
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            answer = (True, function(Path(f"/proc/self/fd/{fd}"), *args))
        except Exception as error:  # noqa: BLE001 - the type only: a message may quote the input
            answer = (False, type(error).__name__)
        finally:
            os.close(fd)
        conn.send(answer)


class WorkerPool:
    def __init__(self, size: int, queue_seconds: float, setup, setup_args=(), max_waiting: int = 32):
        self.size = max(1, size)
        self.queue_seconds = queue_seconds
        self.admitted_at_most = self.size + max(0, max_waiting)
        self.in_progress = 0
        self.setup, self.setup_args = setup, setup_args
        self.context = multiprocessing.get_context("spawn")  # a clean process: the server has threads
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        self.threads = ThreadPoolExecutor(max_workers=self.size * 2, thread_name_prefix="kad-spec-validering")
        self.workers: set[Worker] = set()
        self.starting: set[asyncio.Task] = set()

    async def start(self) -> None:
        await asyncio.gather(*(self._add_worker() for _ in range(self.size)))

    async def stop(self) -> None:
        for task in self.starting:
            task.cancel()
        for worker in list(self.workers):
            worker.kill()
        self.threads.shutdown(wait=False, cancel_futures=True)

    @contextlib.asynccontextmanager
    async def admitted(self):
        """A place for one request that reads a body and then runs a job; Busy at once when the
        workers and the waiting places are all taken. Bodies are held in memory while they wait,
        so this bounds the memory: at most (size + max_waiting) bodies at once."""
        if self.in_progress >= self.admitted_at_most:
            raise Busy()
        self.in_progress += 1
        try:
            yield
        finally:
            self.in_progress -= 1

    async def run(self, function, body, *args):
        """``function(path, *args)`` in a free worker, with ``body`` (a kad_spec.service.body.Body) as the path."""
        try:
            return await self._run_once(function, body, args)
        except WorkerGone:  # it never saw the job: one more try, on another worker
            return await self._run_once(function, body, args)

    async def _run_once(self, function, body, args):
        try:
            # Not asyncio.wait_for: on Python 3.11 a cancel that meets a finished get loses the worker it got.
            async with asyncio.timeout(self.queue_seconds):
                worker = await self.idle.get()
        except TimeoutError:
            raise Busy() from None
        loop = asyncio.get_running_loop()
        try:
            ok, value = await loop.run_in_executor(self.threads, worker.call, function, body.fd, args)
        except BaseException:  # cancelled (time limit, client gone) or the worker died: it is not used again
            self._replace(worker)
            raise
        self.idle.put_nowait(worker)
        if not ok:
            raise WorkerFailed(value)
        return value

    def _replace(self, worker: Worker) -> None:
        self.workers.discard(worker)
        worker.kill()
        task = asyncio.get_running_loop().create_task(self._add_worker())
        self.starting.add(task)
        task.add_done_callback(self._started)

    def _started(self, task: asyncio.Task) -> None:
        self.starting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("en valideringsprosess kunne ikke startes på nytt (%s); %d av %d er i drift",
                      type(task.exception()).__name__, len(self.workers), self.size)

    async def _add_worker(self) -> None:
        loop = asyncio.get_running_loop()
        worker = Worker(self.context, self.setup, self.setup_args)
        self.workers.add(worker)
        try:
            await loop.run_in_executor(self.threads, worker.wait_ready)
        except BaseException:
            self.workers.discard(worker)
            worker.kill()
            raise
        self.idle.put_nowait(worker)

"""The API's OpenAPI 3.1 document, written by hand as data, served at /api/openapi.json and as HTML at /api/docs.

By hand, not derived from the code: it is the contract vendors build against, and a test holds
it to the routes (every /api route is in it, nothing in it is missing from the app).
"""

from __future__ import annotations

from functools import cache

from kad_spec import __version__

VERSION = "v1"
LANGS = ["nb", "en"]
FORMATS = ["json", "sarif", "junit", "apprec", "text"]


def _error(description: str, headers: dict | None = None) -> dict:
    answer = {"description": description,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feil"}}}}
    if headers:
        answer["headers"] = headers
    return answer


RETRY_AFTER = {"Retry-After": {"description": "Sekunder å vente før et nytt forsøk.",
                               "schema": {"type": "integer", "minimum": 1}}}
ERRORS = {
    "400": _error("Ugyldig parameter (lang, format), eller kroppen kom ikke fram."),
    "401": _error("Mangler gyldig token (ingen, ukjent, tilbakekalt eller utløpt).",
                  {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}),
    "403": _error("Tokenet hører til en annen virksomhet."),
    "404": _error("Finnes ikke."),
    "406": _error("Accept ber om et format tjenesten ikke har."),
    "413": _error("Meldingen er større enn grensen (standard 50 MB)."),
    "415": _error("Kroppen er et skjema (multipart); send meldingen som kroppen selv."),
    "503": _error("Tjenesten validerer så mange meldinger den kan; prøv igjen etter Retry-After.", RETRY_AFTER),
    "504": _error("Forespørselen brukte mer enn tidsgrensen (standard 120 s)."),
}


def errors(*codes: str) -> dict:
    return {code: ERRORS[code] for code in codes}


PARAMETERS = {
    "format": {"name": "format", "in": "query", "required": False,
               "description": "Rapportformat; går foran Accept. json: JSON-rapporten (som `kad-spec validate --format "
                              "json`); sarif: SARIF 2.1.0; junit: JUnit XML; apprec: applikasjonskvittering "
                              "(KITH AppRec 1.1); text: tekst.",
               "schema": {"type": "string", "enum": FORMATS, "default": "json"}},
    "lang": {"name": "lang", "in": "query", "required": False, "description": "Språk i rapporten: bokmål eller engelsk.",
             "schema": {"type": "string", "enum": LANGS, "default": "nb"}},
    "navn": {"name": "navn", "in": "query", "required": False,
             "description": "Navnet rapporten gir meldingen (bare siste del av en sti), standard «melding». "
                            "Logges aldri.",
             "schema": {"type": "string", "maxLength": 200}},
    "accept": {"name": "Accept", "in": "header", "required": False,
               "description": "Formatet når ?format= ikke er gitt: application/json (json), application/sarif+json "
                              "(sarif), application/junit+xml (junit), application/xml eller text/xml (apprec), "
                              "text/plain (text). Uten Accept: json.",
               "schema": {"type": "string"}},
    "orgnr": {"name": "orgnr", "in": "path", "required": True,
              "description": "Virksomhetens organisasjonsnummer (9 siffer); må være tokenets egen.",
              "schema": {"type": "string", "pattern": "^[0-9]{9}$"}},
}
MESSAGE_BODY = {
    "required": True,
    "description": "Meldingen selv, som den er: JSON, XML eller XML i en hodemelding (MsgHead 1.2). "
                   "Content-Type brukes ikke: validatoren ser selv hva filen er. Ikke et skjema (multipart).",
    "content": {media: {"schema": {"type": "string", "contentMediaType": media}}
                for media in ("application/json", "application/xml", "application/octet-stream")},
}
REPORT_HEADERS = {
    "Kad-Resultat": {"description": "Kvitteringsstatus: accepted, partly_accepted eller rejected.",
                     "schema": {"type": "string", "enum": ["accepted", "partly_accepted", "rejected"]}},
    "Kad-Feil": {"description": "Antall funn med alvorlighet feil.", "schema": {"type": "integer"}},
    "Kad-Advarsler": {"description": "Antall funn med alvorlighet advarsel.", "schema": {"type": "integer"}},
}
REPORTS = {
    "application/json": {"schema": {"$ref": "#/components/schemas/Rapport"}},
    "application/sarif+json": {"schema": {"type": "object", "description": "SARIF 2.1.0"}},
    "application/xml": {"schema": {"type": "string", "description": "JUnit XML (format=junit) eller AppRec 1.1 "
                                                                    "(format=apprec)"}},
    "text/plain": {"schema": {"type": "string"}},
}
BEARER = [{"token": []}]

SCHEMAS = {
    "Feil": {
        "type": "object", "required": ["feil", "error"],
        "properties": {"feil": {"type": "string", "description": "På bokmål."},
                       "error": {"type": "string", "description": "In English."}},
    },
    "Helse": {
        "type": "object", "required": ["status", "tool", "specification_version", "codelist_editions"],
        "properties": {
            "status": {"const": "ok"},
            "tool": {"type": "object", "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
            "specification_version": {"type": "string"},
            "codelist_editions": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": "Kodeverk → utgavene som følger med."},
        },
    },
    "Rapport": {
        "type": "object", "description": "JSON-rapporten, den samme som `kad-spec validate --format json` "
                                         "(docs/rapporter.md), med én fil.",
        "required": ["tool", "specification_version", "codelist_editions", "language", "summary", "files"],
        "properties": {
            "tool": {"type": "object"}, "specification_version": {"type": "string"},
            "codelist_editions": {"type": "object", "additionalProperties": {"type": "string"}},
            "language": {"type": "string", "enum": LANGS},
            "summary": {"type": "object"}, "notices": {"type": "array", "items": {"type": "string"}},
            "files": {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": 1},
        },
    },
    "Innsending": {
        "type": "object", "description": "Hva registeret gjorde med meldingen, kvitteringen og funnene.",
        "properties": {
            "apprec": {"type": "string", "description": "Applikasjonskvitteringen (AppRec 1.1, XML)."},
            "rapport": {"$ref": "#/components/schemas/Rapport"},
        },
    },
    "Status": {"type": "object", "description": "Virksomhetens tall i registeret (som `kad-spec register status`)."},
    "Funn": {"type": "object", "description": "Virksomhetens åpne funn i registeret."},
}


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kad-spec valideringstjeneste",
            "version": __version__,
            "summary": "Validering av KAD-meldinger og registeret over opphold, over HTTP.",
            "description": "Tørrkjøring av validering er åpen; innsending og virksomhetens data krever et "
                           "bearer-token knyttet til ett organisasjonsnummer. Alle svar har "
                           "Cache-Control: no-store. Feil er JSON med `feil` (bokmål) og `error` (engelsk). "
                           "Ingen personidentifikator vises i noe svar eller i loggen. Se docs/tjeneste.md.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "paths": {
            f"/api/{VERSION}/validering": {"post": {
                "operationId": "validering",
                "summary": "Valider en melding (tørrkjøring: ingenting lagres)",
                "description": "Rapporten er den samme som `kad-spec validate` gir for samme fil. Ingenting "
                               "lagres, og loggen får bare tallene.",
                "parameters": [PARAMETERS["format"], PARAMETERS["lang"], PARAMETERS["navn"], PARAMETERS["accept"]],
                "requestBody": MESSAGE_BODY,
                "responses": {"200": {"description": "Rapporten, i formatet som ble bedt om.",
                                      "headers": REPORT_HEADERS, "content": REPORTS},
                              **errors("400", "406", "413", "415", "503", "504")},
            }},
            f"/api/{VERSION}/innsending": {"post": {
                "operationId": "innsending",
                "summary": "Send inn en melding til registeret for tokenets virksomhet",
                "description": "Valideres som /validering, og tas inn i registeret på vegne av virksomheten "
                               "tokenet hører til. En melding der `virksomhet` ikke er tokenets egen, avvises (403).",
                "security": BEARER,
                "parameters": [PARAMETERS["lang"]],
                "requestBody": MESSAGE_BODY,
                "responses": {"200": {"description": "Kvitteringen og funnene.",
                                      "content": {"application/json": {
                                          "schema": {"$ref": "#/components/schemas/Innsending"}}}},
                              **errors("400", "401", "403", "413", "415", "503", "504")},
            }},
            f"/api/{VERSION}/enheter/{{orgnr}}/status": {"get": {
                "operationId": "enhetStatus",
                "summary": "Virksomhetens tall i registeret (bare egen virksomhet)",
                "security": BEARER,
                "parameters": [PARAMETERS["orgnr"], PARAMETERS["lang"]],
                "responses": {"200": {"description": "Tallene.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Status"}}}},
                              **errors("401", "403", "404")},
            }},
            f"/api/{VERSION}/enheter/{{orgnr}}/funn": {"get": {
                "operationId": "enhetFunn",
                "summary": "Virksomhetens åpne funn i registeret (bare egen virksomhet)",
                "security": BEARER,
                "parameters": [PARAMETERS["orgnr"], PARAMETERS["lang"]],
                "responses": {"200": {"description": "De åpne funnene.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Funn"}}}},
                              **errors("401", "403", "404")},
            }},
            f"/api/{VERSION}/helse": {"get": {
                "operationId": "helse",
                "summary": "Lever tjenesten, og med hvilke versjoner",
                "responses": {"200": {"description": "Tjenesten svarer.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Helse"}}}}},
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "Dette dokumentet (OpenAPI 3.1)",
                "responses": {"200": {"description": "OpenAPI-dokumentet.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
            "/api/docs": {"get": {
                "operationId": "apiDocs", "summary": "Dette dokumentet som HTML-side (uten skript, uten CDN)",
                "responses": {"200": {"description": "HTML-siden.",
                                      "content": {"text/html": {"schema": {"type": "string"}}}}},
            }},
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {
                "type": "http", "scheme": "bearer",
                "description": "Et token laget med `kad-spec serve token add --unit ORGNR`, eller en JWT fra "
                               "HelseID når tjenesten er satt opp for det.",
            }},
        },
    }

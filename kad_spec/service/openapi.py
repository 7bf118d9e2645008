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
    "400": _error("Ugyldig parameter (lang, format, min_cell, period), eller kroppen kom ikke fram."),
    "401": _error("Mangler gyldig token (ingen, ukjent, tilbakekalt eller utløpt).",
                  {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}),
    "403": _error("Tokenet hører til en annen virksomhet (eller meldingen er en annen virksomhets), direktoratet "
                  "sender inn (direktoratet er ingen virksomhet), eller en virksomhet spør om det bare direktoratet "
                  "har tilgang til."),
    "404": _error("Finnes ikke (også en sti uten organisasjonsnummer, eller med et som ikke er ni sifre)."),
    "406": _error("Accept ber om et format tjenesten ikke har."),
    "413": _error("Meldingen er større enn grensen (standard 50 MB)."),
    "415": _error("Kroppen er et skjema (multipart); send meldingen som kroppen selv."),
    "503": _error("Tjenesten validerer så mange meldinger den kan, eller registeret svarer ikke (eller tjenesten "
                  "er startet uten --db); prøv igjen etter Retry-After.", RETRY_AFTER),
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
    "report_format": {"name": "format", "in": "query", "required": False,
                      "description": "json: rapporten som JSON (som `kad-spec report --db URL --format json`); html: "
                                     "rapportens selvstendige HTML-side. Går foran Accept (application/json eller "
                                     "text/html; uten Accept: json).",
                      "schema": {"type": "string", "enum": ["json", "html"], "default": "json"}},
    "report_lang": {"name": "lang", "in": "query", "required": False,
                    "description": "Språk på HTML-siden: bokmål eller engelsk.",
                    "schema": {"type": "string", "enum": LANGS, "default": "nb"}},
    "min_cell": {"name": "min_cell", "in": "query", "required": False,
                 "description": "Skjul tall under så mange opphold. Minst 5 (standard): et lavere tall gir 400, så "
                                "vernet av små tall aldri blir svakere enn det publiserte.",
                 "schema": {"type": "integer", "minimum": 5, "default": 5}},
    "period": {"name": "period", "in": "query", "required": False,
               "description": "Bare opphold innlagt i perioden FRA..TIL (datoer ÅÅÅÅ-MM-DD, én side kan stå tom), "
                              "f.eks. 2025-01-01..2025-03-31; siste dag er referansedag. Uten: alle opphold, og "
                              "referansedagen er siste dag i dataene.",
               "schema": {"type": "string", "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?\\.\\.([0-9]{4}-[0-9]{2}-[0-9]{2})?$"}},
    "orgnr": {"name": "orgnr", "in": "path", "required": True,
              "description": "Virksomhetens organisasjonsnummer (9 siffer); må være tokenets egen, "
                             "om ikke tokenet er direktoratets. Ikke ni sifre: 404, før tokenet sjekkes.",
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
FEEDBACK = {
    "application/json": {"schema": {"$ref": "#/components/schemas/Tilbakemelding"}},
    "text/html": {"schema": {"type": "string", "description": "Rapportens selvstendige HTML-side (format=html)."}},
}

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
        "required": ["register", "apprec", "rapport"],
        "properties": {
            "register": {
                "type": "object",
                "description": "Som én melding i `kad-spec register ingest --format json`: resultat, opphold tatt "
                               "inn (applied), for gamle (kept) og avvist (refused), motorens feil og advarsler, "
                               "regelen som avviste meldingen, antall funn åpnet og lukket på virksomhetens åpne "
                               "liste, og historikkreglenes nye funn (history).",
                "properties": {
                    "result": {"type": "string", "enum": ["tatt_inn", "avvist", "allerede_mottatt", "ikke_lagret"]},
                    "melding_id": {"type": ["string", "null"]}, "virksomhet": {"type": ["string", "null"]},
                    "opprettet": {"type": ["string", "null"]}, "stays": {"type": "integer"},
                    "applied": {"type": "integer"}, "kept": {"type": "integer"}, "refused": {"type": "integer"},
                    "errors": {"type": "integer"}, "warnings": {"type": "integer"},
                    "rule": {"type": ["string", "null"]}, "opened": {"type": "integer"}, "closed": {"type": "integer"},
                    "history": {"type": "array", "items": {"type": "object", "properties": {
                        "rule_id": {"type": "string"}, "severity": {"type": "string"},
                        "opphold_id": {"type": ["string", "null"]}, "message": {"type": "string"}}}},
                },
            },
            "apprec": {"type": "string", "description": "Applikasjonskvitteringen (AppRec 1.1, XML) slik registeret "
                                                        "avgjorde: motorens funn og historikkreglenes avvisninger "
                                                        "(KAD-REG-004, -007, -008)."},
            "rapport": {"$ref": "#/components/schemas/Rapport"},
        },
    },
    "Status": {
        "type": "object", "description": "Virksomhetens tall i registeret, som `kad-spec register status --unit "
                                         "ORGNR --format json` (units er tom før første melding).",
        "required": ["schema_version", "units"],
        "properties": {"schema_version": {"type": "string"},
                       "units": {"type": "array", "maxItems": 1, "items": {"type": "object"}}},
    },
    "Enheter": {
        "type": "object", "description": "Alle virksomheter i registeret med tallene deres, som `kad-spec register "
                                         "status --format json` (sortert på organisasjonsnummer).",
        "required": ["schema_version", "units"],
        "properties": {"schema_version": {"type": "string"},
                       "units": {"type": "array", "items": {"type": "object"}}},
    },
    "Tilbakemelding": {
        "type": "object", "description": "Tilbakemeldingsrapporten fra registeret, den samme som `kad-spec report "
                                         "--db URL [--unit ORGNR] --format json` (docs/aktivitetsrapport.md, "
                                         "docs/register.md). Tall under min_cell er `{\"n\": null, \"suppressed\": "
                                         "true}`.",
        "required": ["report", "min_cell", "reference_day", "units", "register"],
        "properties": {
            "report": {"const": "kad-spec aktivitetsrapport"}, "min_cell": {"type": "integer", "minimum": 5},
            "reference_day": {"type": ["string", "null"]}, "first_day": {"type": ["string", "null"]},
            "units": {"type": "array", "items": {"type": "object"}},
            "register": {"type": "object", "description": "unit er null i den nasjonale rapporten.",
                         "properties": {"unit": {"type": ["string", "null"]}, "period": {"type": "object"}}},
            "tables": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Funn": {
        "type": "object", "description": "Virksomhetens åpne funn i registeret, eldste først.",
        "required": ["virksomhet", "open_findings", "findings"],
        "properties": {
            "virksomhet": {"type": "string"}, "open_findings": {"type": "integer"},
            "findings": {"type": "array", "items": {"type": "object", "properties": {
                "rule_id": {"type": "string"}, "severity": {"type": "string", "enum": ["error", "warning"]},
                "opphold_id": {"type": ["string", "null"], "description": "Tom: funnet gjelder meldingen."},
                "pointer": {"type": "string", "description": "JSON-peker innenfor oppholdet (eller meldingen)."},
                "opened_utc": {"type": "string"}, "melding_id": {"type": ["string", "null"]},
                "message": {"type": "string"}, "params": {"type": "object"}}}},
        },
    },
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
                           "bearer-token knyttet til ett organisasjonsnummer. Et direktoratstoken (eller en JWT "
                           "med direktoratets scope) leser alle virksomheters data, men sender ikke inn. Alle svar har "
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
                "description": "Valideres og tas inn i registeret på vegne av virksomheten tokenet hører til, "
                               "som `kad-spec register ingest` tar inn en fil (tjenestens --config brukes ikke: "
                               "registeret avgjør på motorens funn). En melding der "
                               "`virksomhet.organisasjonsnummer` ikke er tokenets, avvises (403) og lagres ikke. "
                               "Et direktoratstoken får 403: direktoratet er ingen virksomhet. "
                               "Svaret er JSON med hva registeret gjorde, kvitteringen og rapporten, eller bare "
                               "kvitteringen med ?format=apprec eller Accept: application/xml. Status 200 også når "
                               "registeret avviste meldingen: se Kad-Register og kvitteringen.",
                "security": BEARER,
                "parameters": [
                    {"name": "format", "in": "query", "required": False,
                     "description": "json: registerets svar, kvitteringen og rapporten; apprec: bare kvitteringen. "
                                    "Går foran Accept.",
                     "schema": {"type": "string", "enum": ["json", "apprec"], "default": "json"}},
                    PARAMETERS["lang"], PARAMETERS["navn"],
                    {"name": "Accept", "in": "header", "required": False,
                     "description": "Formatet når ?format= ikke er gitt: application/json (json), application/xml "
                                    "eller text/xml (apprec). Uten Accept: json.",
                     "schema": {"type": "string"}}],
                "requestBody": MESSAGE_BODY,
                "responses": {"200": {"description": "Registerets svar, kvitteringen og funnene.",
                                      "headers": {**REPORT_HEADERS, "Kad-Register": {
                                          "description": "Hva registeret gjorde: tatt_inn, avvist, allerede_mottatt "
                                                         "eller ikke_lagret.",
                                          "schema": {"type": "string", "enum": ["tatt_inn", "avvist",
                                                                                "allerede_mottatt", "ikke_lagret"]}}},
                                      "content": {"application/json": {
                                          "schema": {"$ref": "#/components/schemas/Innsending"}},
                                          "application/xml": {"schema": {
                                              "type": "string", "description": "AppRec 1.1 (format=apprec)"}}}},
                              **errors("400", "401", "403", "406", "413", "415", "503", "504")},
            }},
            f"/api/{VERSION}/enheter": {"get": {
                "operationId": "enheter",
                "summary": "Alle virksomheter i registeret med tallene deres (bare direktoratet)",
                "description": "Bare for direktoratets token (eller en JWT med direktoratets scope); en "
                               "virksomhets token får 403.",
                "security": BEARER,
                "responses": {"200": {"description": "Virksomhetene og tallene.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Enheter"}}}},
                              **errors("401", "403", "503")},
            }},
            f"/api/{VERSION}/enheter/{{orgnr}}/status": {"get": {
                "operationId": "enhetStatus",
                "summary": "Virksomhetens tall i registeret (egen virksomhet, eller direktoratet)",
                "security": BEARER,
                "parameters": [PARAMETERS["orgnr"]],
                "responses": {"200": {"description": "Tallene.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Status"}}}},
                              **errors("401", "403", "404", "503")},
            }},
            f"/api/{VERSION}/enheter/{{orgnr}}/funn": {"get": {
                "operationId": "enhetFunn",
                "summary": "Virksomhetens åpne funn i registeret (egen virksomhet, eller direktoratet)",
                "security": BEARER,
                "parameters": [PARAMETERS["orgnr"], PARAMETERS["lang"]],
                "responses": {"200": {"description": "De åpne funnene.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Funn"}}}},
                              **errors("400", "401", "403", "404", "503")},
            }},
            f"/api/{VERSION}/enheter/{{orgnr}}/rapport": {"get": {
                "operationId": "enhetRapport",
                "summary": "Virksomhetens tilbakemeldingsrapport fra registeret (egen virksomhet, eller direktoratet)",
                "description": "Aktivitet, sammenligning med virksomheter av lik størrelse og alle virksomheter, "
                               "og datakvalitet, som `kad-spec report --db URL --unit ORGNR`. JSON, eller "
                               "rapportens HTML-side med ?format=html eller Accept: text/html.",
                "security": BEARER,
                "parameters": [PARAMETERS["orgnr"], PARAMETERS["report_format"], PARAMETERS["report_lang"],
                               PARAMETERS["min_cell"], PARAMETERS["period"]],
                "responses": {"200": {"description": "Rapporten.", "content": FEEDBACK},
                              **errors("400", "401", "403", "404", "406", "503", "504")},
            }},
            f"/api/{VERSION}/rapport": {"get": {
                "operationId": "rapport",
                "summary": "Den nasjonale tilbakemeldingsrapporten, alle virksomheter (bare direktoratet)",
                "description": "Som `kad-spec report --db URL`: alle virksomheters opphold. Bare for "
                               "direktoratets token (eller en JWT med direktoratets scope); en virksomhets token "
                               "får 403.",
                "security": BEARER,
                "parameters": [PARAMETERS["report_format"], PARAMETERS["report_lang"], PARAMETERS["min_cell"],
                               PARAMETERS["period"]],
                "responses": {"200": {"description": "Rapporten.", "content": FEEDBACK},
                              **errors("400", "401", "403", "406", "503", "504")},
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
                "description": "Et token laget med `kad-spec serve token add --unit ORGNR` (eller "
                               "`--directorate` for direktoratet), eller en JWT fra "
                               "HelseID (eller en annen OAuth2/OIDC-utsteder) når tjenesten er startet med "
                               "--jwt-issuer, --jwt-audience og --jwt-jwks; scopet `kad-spec:direktorat` "
                               "(--jwt-directorate-scope) i scope eller scp gir direktoratets tilgang. "
                               "Ingen, ukjent, tilbakekalt eller utløpt "
                               "token: 401 med WWW-Authenticate: Bearer.",
            }},
        },
    }

"""Pydantic v2 classes for KAD messages, generated from model/kad.yaml by kad-spec; do not edit.

Needs pydantic 2 (pip install "pydantic>=2"). Types are strict as in the JSON Schema: "84" is no
age, null no stay list. The default model_dump_json() leaves absent fields out.
"""
from __future__ import annotations

import re
import sys
from datetime import (
    date,
    datetime,
    time
)
from decimal import Decimal
from enum import Enum
from typing import (
    Any,
    ClassVar,
    Literal,
    Optional,
    Union
)

from pydantic import (
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer
)


metamodel_version = "1.12.0"
version = "1.0.0"


class ConfiguredBaseModel(BaseModel):
    model_config = ConfigDict(
        serialize_by_alias = True,
        validate_by_name = True,
        validate_assignment = True,
        validate_default = False,
        extra = "forbid",
        arbitrary_types_allowed = True,
        use_enum_values = True,
        strict = False,
    )

    def model_dump(self, **kwargs):
        kwargs.setdefault("exclude_none", True)  # absent fields stay absent
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs):
        kwargs.setdefault("exclude_none", True)
        return super().model_dump_json(**kwargs)





class LinkMLMeta(RootModel):
    root: dict[str, Any] = {}
    model_config = ConfigDict(frozen=True)

    def __getattr__(self, key:str):
        return getattr(self.root, key)

    def __getitem__(self, key:str):
        return self.root[key]

    def __setitem__(self, key:str, value):
        self.root[key] = value

    def __contains__(self, key:str) -> bool:
        return key in self.root


linkml_meta = LinkMLMeta({'annotations': {'description_en': {'tag': 'description_en',
                                        'value': 'Message format for reporting '
                                                 'stays at municipal acute 24-hour '
                                                 'units (KAD/ØHD) to the Norwegian '
                                                 'municipal patient register '
                                                 '(KPR). One message per file, '
                                                 'sent continuously, at least '
                                                 'daily.'},
                     'dokumentasjon_url': {'tag': 'dokumentasjon_url',
                                           'value': 'https://kad-spec.example.org/spesifikasjon/'},
                     'ikrafttredelse': {'tag': 'ikrafttredelse',
                                        'value': '2028-01-01'},
                     'publisert': {'tag': 'publisert', 'value': '2027-04-01'},
                     'title_en': {'tag': 'title_en',
                                  'value': 'Reporting from municipal acute 24-hour '
                                           'units (KAD/ØHD) to KPR'},
                     'xml_namespace': {'tag': 'xml_namespace',
                                       'value': 'urn:kad-spec:kad-kpr:1'}},
     'default_prefix': 'kad',
     'default_range': 'string',
     'description': 'Meldingsformat for rapportering av opphold ved kommunale '
                    'akutte døgnenheter (KAD/ØHD, øyeblikkelig hjelp døgntilbud) '
                    'til Kommunalt pasient- og brukerregister (KPR). Modellen '
                    'realiserer de ni opplysningene i høringsnotatet "Rapportering '
                    'fra kommunal øyeblikkelig hjelp døgnenhet til Kommunalt '
                    'pasient og brukerregister". Én melding per fil; meldingen '
                    'sendes løpende, minst daglig.',
     'id': 'https://w3id.org/kad-spec/kad-kpr',
     'imports': ['linkml:types'],
     'license': 'MIT',
     'name': 'kad_kpr',
     'prefixes': {'kad': {'prefix_prefix': 'kad',
                          'prefix_reference': 'https://w3id.org/kad-spec/kad-kpr/'},
                  'linkml': {'prefix_prefix': 'linkml',
                             'prefix_reference': 'https://w3id.org/linkml/'},
                  'volven': {'prefix_prefix': 'volven',
                             'prefix_reference': 'urn:oid:2.16.578.1.12.4.1.1.'}},
     'source_file': 'model/kad.yaml',
     'subsets': {'administrativ': {'description': 'Administrative opplysninger om '
                                                  'meldingen; ikke for analyse.',
                                   'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                                   'name': 'administrativ'}},
     'title': 'Rapportering fra kommunal akutt døgnenhet (KAD/ØHD) til KPR',
     'types': {'Diagnosekode': {'annotations': {'title_en': {'tag': 'title_en',
                                                             'value': 'Diagnosis '
                                                                      'code'}},
                                'description': 'Diagnosekode i ICD-10 eller '
                                               'ICPC-2; kodens form kontrolleres '
                                               'mot kodeverket som er oppgitt. Små '
                                               'bokstaver er tillatt: norsk ICD-10 '
                                               'skriver noen koder slik (I210a).',
                                'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                                'name': 'Diagnosekode',
                                'pattern': '^-?[A-Za-z0-9][0-9A-Za-z.]{1,6}$',
                                'typeof': 'string'},
               'DiagnosekodeIcd10': {'annotations': {'title_en': {'tag': 'title_en',
                                                                  'value': 'ICD-10 '
                                                                           'code'}},
                                     'description': 'Kode i ICD-10, norsk utgave. '
                                                    'Kanonisk form er uten punktum '
                                                    '(E70.2 rapporteres som E702); '
                                                    'form med punktum godtas med '
                                                    'advarsel. Den offisielle '
                                                    'skrivemåten har små bokstaver '
                                                    'i noen koder (I210a, V0n0a, '
                                                    'T4n); annen bruk av store og '
                                                    'små bokstaver (I210A) godtas '
                                                    'med advarsel.',
                                     'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                                     'name': 'DiagnosekodeIcd10',
                                     'pattern': '^[A-Za-z][0-9][0-9A-Za-z](\\.?[0-9A-Za-z]{1,2})?$',
                                     'typeof': 'string'},
               'DiagnosekodeIcpc2': {'annotations': {'title_en': {'tag': 'title_en',
                                                                  'value': 'ICPC-2 '
                                                                           'code'}},
                                     'description': 'Kode i ICPC-2, norsk utgave: '
                                                    'bokstav og to siffer (R81), '
                                                    'norske firetegnskoder (R991) '
                                                    'eller prosesskode (-30 til '
                                                    '-69). Prosesskoder er ikke '
                                                    'diagnoser.',
                                     'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                                     'name': 'DiagnosekodeIcpc2',
                                     'pattern': '^([A-Za-z][0-9]{2,3}|-[0-9]{2})$',
                                     'typeof': 'string'},
               'HerId': {'annotations': {'oid': {'tag': 'oid',
                                                 'value': '2.16.578.1.12.4.1.2'},
                                         'title_en': {'tag': 'title_en',
                                                      'value': 'HER-id'}},
                         'description': 'HER-id fra Adresseregisteret i Norsk '
                                        'helsenett; positivt heltall uten '
                                        'kontrollsiffer.',
                         'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                         'name': 'HerId',
                         'pattern': '^[1-9][0-9]{0,8}$',
                         'typeof': 'string'},
               'Kommunenummer': {'annotations': {'codelist': {'tag': 'codelist',
                                                              'value': 'kommunenummer'},
                                                 'title_en': {'tag': 'title_en',
                                                              'value': 'Municipality '
                                                                       'number'}},
                                 'description': 'Kommunenummer, fire siffer '
                                                '(Volven 3402 / SSB Klass 131), '
                                                'gyldig på oppholdets dato.',
                                 'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                                 'name': 'Kommunenummer',
                                 'pattern': '^[0-9]{4}$',
                                 'typeof': 'string'},
               'Organisasjonsnummer': {'annotations': {'oid': {'tag': 'oid',
                                                               'value': '2.16.578.1.12.4.1.4.101'},
                                                       'title_en': {'tag': 'title_en',
                                                                    'value': 'Organisation '
                                                                             'number'}},
                                       'description': 'Organisasjonsnummer fra '
                                                      'Enhetsregisteret, 9 siffer '
                                                      'med kontrollsiffer (modulus '
                                                      '11).',
                                       'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                                       'name': 'Organisasjonsnummer',
                                       'pattern': '^[0-9]{9}$',
                                       'typeof': 'string'},
               'Personidentifikator': {'annotations': {'title_en': {'tag': 'title_en',
                                                                    'value': 'Person '
                                                                             'identifier'}},
                                       'description': 'Offisiell '
                                                      'personidentifikator: '
                                                      'fødselsnummer, D-nummer, '
                                                      'H-nummer eller FH-nummer '
                                                      '(11 siffer) eller '
                                                      'DUF-nummer (12 siffer). '
                                                      'Typen angis i id_type.',
                                       'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                                       'name': 'Personidentifikator',
                                       'pattern': '^[0-9]{11,12}$',
                                       'typeof': 'string'},
               'Postnummer': {'annotations': {'title_en': {'tag': 'title_en',
                                                           'value': 'Postal code'}},
                              'description': 'Postnummer, fire siffer.',
                              'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                              'name': 'Postnummer',
                              'pattern': '^[0-9]{4}$',
                              'typeof': 'string'},
               'Tidspunkt': {'annotations': {'title_en': {'tag': 'title_en',
                                                          'value': 'Date and time'},
                                             'xsd_type': {'tag': 'xsd_type',
                                                          'value': 'dateTime'}},
                             'description': 'Dato og klokkeslett etter ISO 8601: '
                                            'lokal norsk tid uten tidssone (som i '
                                            'KPRs XML-praksis) eller med '
                                            'eksplisitt tidssone. Sekunder er '
                                            'valgfrie.',
                             'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                             'name': 'Tidspunkt',
                             'pattern': '^([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?$',
                             'typeof': 'string'},
               'Uuid': {'annotations': {'title_en': {'tag': 'title_en',
                                                     'value': 'UUID'}},
                        'description': 'UUID etter RFC 4122, med små eller store '
                                       'bokstaver.',
                        'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                        'name': 'Uuid',
                        'pattern': '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
                        'typeof': 'string'},
               'Versjonsnummer': {'annotations': {'title_en': {'tag': 'title_en',
                                                               'value': 'Semantic '
                                                                        'version'}},
                                  'description': 'Versjonsnummer etter semantisk '
                                                 'versjonering '
                                                 '(MAJOR.MINOR.PATCH).',
                                  'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
                                  'name': 'Versjonsnummer',
                                  'pattern': '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$',
                                  'typeof': 'string'}}} )

class Kjonn(str, Enum):
    """
    Kjønn (Volven 3101).
    """
    number_0 = "0"
    """
    Ikke kjent
    """
    number_1 = "1"
    """
    Mann
    """
    number_2 = "2"
    """
    Kvinne
    """
    number_9 = "9"
    """
    Ikke spesifisert
    """


class IdType(str, Enum):
    """
    Type personidentifikator (utvalg fra Volven 8116 ID-type for personer).
    """
    FNR = "FNR"
    """
    Fødselsnummer
    """
    DNR = "DNR"
    """
    D-nummer
    """
    HNR = "HNR"
    """
    H-nummer (lokalt hjelpenummer)
    """
    FHN = "FHN"
    """
    FH-nummer (felles hjelpenummer)
    """
    DUF = "DUF"
    """
    DUF-nummer (Utlendingsdirektoratet)
    """


class Meldingsstatus(str, Enum):
    """
    Status for oppholdet i meldingen (Volven 7316 Status notifikasjon). Ved løpende rapportering sendes et opphold ved innleggelse og på nytt ved utskrivning.
    """
    N = "N"
    """
    Original (første gang oppholdet sendes)
    """
    M = "M"
    """
    Erstatt (erstatter tidligere innsendt opphold med samme opphold_id)
    """
    T = "T"
    """
    Suppler
    """
    C = "C"
    """
    Annuller (tidligere innsendt opphold med samme opphold_id skal slettes)
    """


class TjenesterOgVesen(str, Enum):
    """
    Henvisende tjeneste (Volven 8404 Tjenester og vesen). Høringsnotatet foreslår Volven 7300 "Ut til" for både henvist fra og utskrevet til, men 7300 har ingen henvisningssemantikk (verdien "Som død" kan ikke henvise). Henvist fra bruker derfor 8404, slik Norsk pasientregister gjør for "henvist fra tjeneste".
    """
    number_1 = "1"
    """
    Pasienten selv
    """
    number_9 = "9"
    """
    Andre tjenester
    """
    number_10 = "10"
    """
    Privatpraktiserende spesialister
    """
    number_28 = "28"
    """
    Fastlege/primærlege/legevaktslege
    """
    number_41 = "41"
    """
    Somatisk spesialisthelsetjeneste
    """
    number_42 = "42"
    """
    Tverrfaglig spesialisert rusbehandling (TSB)
    """
    number_44 = "44"
    """
    Psykisk helsevern
    """
    number_88 = "88"
    """
    Andre kommunale tjenester
    """


class UtTil(str, Enum):
    """
    Hvor pasienten ble utskrevet til (Volven 7300 Ut til).
    """
    number_1 = "1"
    """
    Ut til hjemmet
    """
    number_2 = "2"
    """
    Som død
    """
    number_21 = "21"
    """
    Annen somatisk enhet ved egen institusjon
    """
    number_23 = "23"
    """
    Psykiatrisk enhet/-poliklinikk ved egen institusjon
    """
    number_31 = "31"
    """
    Annet somatisk sykehus i Norge
    """
    number_34 = "34"
    """
    Somatisk sykehus utenfor Norge
    """
    number_35 = "35"
    """
    Rehabiliteringsinstitusjon/sykehjem
    """
    number_39 = "39"
    """
    Annen helseinstitusjon
    """


class Kodeverk(str, Enum):
    """
    Diagnosekodeverk som koden er hentet fra.
    """
    ICPC_2 = "ICPC-2"
    """
    ICPC-2, norsk utgave (Volven 7170)
    """
    ICD_10 = "ICD-10"
    """
    ICD-10, norsk utgave (Volven 7110)
    """


class Miljo(str, Enum):
    """
    Miljøet meldingen er laget i. Testmeldinger skal bare inneholde syntetiske personer.
    """
    produksjon = "produksjon"
    """
    Produksjon (reelle opphold)
    """
    test = "test"
    """
    Test (bare syntetiske personer)
    """



class KadMelding(ConfiguredBaseModel):
    """
    Én melding fra én virksomhet (KAD/ØHD-enhet) med null eller flere opphold. En daglig melding uten aktivitet er gyldig.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'KAD message'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
         'tree_root': True})

    meldingsinfo: Meldingsinfo = Field(default=..., description="""Administrative opplysninger om meldingen.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Message information'}},
         'domain_of': ['KadMelding']} })
    virksomhet: Virksomhet = Field(default=..., description="""Virksomheten (KAD/ØHD-enheten) som rapporterer, med tjenestekommune(r).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '1'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Reporting unit'}},
         'domain_of': ['KadMelding']} })
    opphold: list[Opphold] = Field(default=None, description="""Oppholdene som rapporteres i meldingen (0..n).""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en', 'value': 'Stays'}},
         'domain_of': ['KadMelding']} })


class Meldingsinfo(ConfiguredBaseModel):
    """
    Administrative opplysninger om meldingen; ikke for analyse.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en',
                                      'value': 'Message information'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
         'in_subset': ['administrativ']})

    melding_id: StrictStr = Field(default=..., description="""Meldingens unike id (UUID), satt av avsender.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Message id'}},
         'domain_of': ['Meldingsinfo']} })
    spesifikasjonsversjon: StrictStr = Field(default=..., description="""Versjonen av denne spesifikasjonen som meldingen følger.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Specification version'}},
         'domain_of': ['Meldingsinfo']} })
    opprettet: StrictStr = Field(default=..., description="""Tidspunktet meldingen ble laget.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Created'}},
         'domain_of': ['Meldingsinfo']} })
    miljo: Miljo = Field(default=..., description="""Om meldingen kommer fra produksjon eller test.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Environment'}},
         'domain_of': ['Meldingsinfo']} })
    kontaktperson: Kontaktperson = Field(default=None, description="""Kontaktperson hos avsender for spørsmål om meldingen.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en', 'value': 'Contact person'}},
         'domain_of': ['Meldingsinfo']} })

    @field_validator('melding_id')
    def pattern_melding_id(cls, v):
        pattern=re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid melding_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid melding_id format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('spesifikasjonsversjon')
    def pattern_spesifikasjonsversjon(cls, v):
        pattern=re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid spesifikasjonsversjon format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid spesifikasjonsversjon format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('opprettet')
    def pattern_opprettet(cls, v):
        pattern=re.compile(r"^([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid opprettet format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid opprettet format: {v}"
            raise ValueError(err_msg)
        return v


class Kontaktperson(ConfiguredBaseModel):
    """
    Kontaktperson hos avsender (administrativ opplysning).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'Contact person'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
         'in_subset': ['administrativ']})

    navn: StrictStr = Field(default=..., description="""Kontaktpersonens navn.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Name'}},
         'domain_of': ['Kontaktperson', 'Virksomhet']} })
    telefon: StrictStr = Field(default=None, description="""Telefonnummer.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en', 'value': 'Telephone'}},
         'domain_of': ['Kontaktperson']} })
    epost: StrictStr = Field(default=None, description="""E-postadresse.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en', 'value': 'E-mail'}},
         'domain_of': ['Kontaktperson']} })

    @field_validator('telefon')
    def pattern_telefon(cls, v):
        pattern=re.compile(r"^\+?[0-9 ]{8,20}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid telefon format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid telefon format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('epost')
    def pattern_epost(cls, v):
        pattern=re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid epost format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid epost format: {v}"
            raise ValueError(err_msg)
        return v


class Virksomhet(ConfiguredBaseModel):
    """
    Virksomheten som driver den kommunale akutte døgnenheten (punkt 1), med kommunen eller kommunene den yter tjenesten for (punkt 2).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'Unit'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr'})

    navn: StrictStr = Field(default=..., description="""Virksomhetens navn.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '1'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Name'}},
         'domain_of': ['Kontaktperson', 'Virksomhet']} })
    organisasjonsnummer: StrictStr = Field(default=..., description="""Virksomhetens organisasjonsnummer i Enhetsregisteret.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '1'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Organisation number'}},
         'domain_of': ['Virksomhet', 'HenvistFra', 'UtskrevetTil']} })
    her_id: StrictStr = Field(default=None, description="""Virksomhetens HER-id i Adresseregisteret.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '1'},
                         'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en', 'value': 'HER-id'}},
         'domain_of': ['Virksomhet', 'HenvistFra', 'UtskrevetTil']} })
    adresse: Adresse = Field(default=..., description="""Virksomhetens besøksadresse.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '1'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Address'}},
         'domain_of': ['Virksomhet']} })
    tjenestekommuner: list[StrictStr] = Field(default=..., description="""Kommunen (kommunenummer) enheten yter tjenesten for; flere kommuner for en interkommunal enhet.""", min_length=1, json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '2'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Service municipalities'}},
         'domain_of': ['Virksomhet']} })

    @field_validator('organisasjonsnummer')
    def pattern_organisasjonsnummer(cls, v):
        pattern=re.compile(r"^[0-9]{9}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid organisasjonsnummer format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid organisasjonsnummer format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('her_id')
    def pattern_her_id(cls, v):
        pattern=re.compile(r"^[1-9][0-9]{0,8}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid her_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid her_id format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('tjenestekommuner')
    def pattern_tjenestekommuner(cls, v):
        pattern=re.compile(r"^[0-9]{4}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid tjenestekommuner format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid tjenestekommuner format: {v}"
            raise ValueError(err_msg)
        return v


class Adresse(ConfiguredBaseModel):
    """
    Postadresse.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'Address'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr'})

    adresselinje: StrictStr = Field(default=..., description="""Gate- eller veiadresse.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '1'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Address line'}},
         'domain_of': ['Adresse']} })
    postnummer: StrictStr = Field(default=..., description="""Postnummer.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '1'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Postal code'}},
         'domain_of': ['Adresse']} })
    poststed: StrictStr = Field(default=..., description="""Poststed.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '1'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Postal town'}},
         'domain_of': ['Adresse']} })

    @field_validator('postnummer')
    def pattern_postnummer(cls, v):
        pattern=re.compile(r"^[0-9]{4}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid postnummer format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid postnummer format: {v}"
            raise ValueError(err_msg)
        return v


class Opphold(ConfiguredBaseModel):
    """
    Ett opphold i kommunal akutt døgnenhet, fra innleggelse til utskrivning. Et opphold som pågår har ikke utskrivningstidspunkt; utskrivningsdiagnoser og utskrevet til kreves når pasienten er utskrevet.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'Stay'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr',
         'rules': [{'description': 'Når pasienten er utskrevet (utskrivningstidspunkt '
                                   'er oppgitt), kreves minst én utskrivningsdiagnose '
                                   'og utskrevet til.',
                    'postconditions': {'slot_conditions': {'utskrevet_til': {'name': 'utskrevet_til',
                                                                             'required': True},
                                                           'utskrivningsdiagnoser': {'minimum_cardinality': 1,
                                                                                     'name': 'utskrivningsdiagnoser',
                                                                                     'required': True}}},
                    'preconditions': {'slot_conditions': {'utskrivningstidspunkt': {'name': 'utskrivningstidspunkt',
                                                                                    'value_presence': 'PRESENT'}}}}]})

    opphold_id: StrictStr = Field(default=..., description="""Enhetens egen, stabile id for oppholdet; unik per virksomhet og lik i alle meldinger om samme opphold.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Stay id'}},
         'domain_of': ['Opphold']} })
    status: Meldingsstatus = Field(default=..., description="""Status for oppholdet i denne meldingen (Volven 7316).""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Status'}},
         'domain_of': ['Opphold']} })
    pasient: Pasient = Field(default=..., description="""Pasienten.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '3'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Patient'}},
         'domain_of': ['Opphold']} })
    innleggelsestidspunkt: StrictStr = Field(default=..., description="""Tidspunkt for innleggelse (år, dato og klokkeslett).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '4'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Admission time'}},
         'domain_of': ['Opphold']} })
    utskrivningstidspunkt: StrictStr = Field(default=None, description="""Tidspunkt for utskrivning (år, dato og klokkeslett); mangler mens pasienten er innlagt.""", json_schema_extra = { "linkml_meta": {'annotations': {'betingelse': {'tag': 'betingelse',
                                        'value': 'Når pasienten er utskrevet.'},
                         'betingelse_en': {'tag': 'betingelse_en',
                                           'value': 'Once the patient has been '
                                                    'discharged.'},
                         'forslag_punkt': {'tag': 'forslag_punkt', 'value': '5'},
                         'krav': {'tag': 'krav', 'value': 'B'},
                         'title_en': {'tag': 'title_en', 'value': 'Discharge time'}},
         'domain_of': ['Opphold']} })
    innskrivningsdiagnoser: list[Diagnose] = Field(default=..., description="""Diagnose(r) ved innleggelse, satt av innleggende lege; én eller flere.""", min_length=1, json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '6'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Admission diagnoses'}},
         'domain_of': ['Opphold']} })
    utskrivningsdiagnoser: list[Diagnose] = Field(default=None, description="""Diagnose(r) ved utskrivning, satt av lege i KAD/ØHD; én eller flere når pasienten er utskrevet.""", json_schema_extra = { "linkml_meta": {'annotations': {'betingelse': {'tag': 'betingelse',
                                        'value': 'Påkrevd (minst én) når '
                                                 'utskrivningstidspunkt er oppgitt.'},
                         'betingelse_en': {'tag': 'betingelse_en',
                                           'value': 'Required (at least one) when a '
                                                    'discharge time is given.'},
                         'forslag_punkt': {'tag': 'forslag_punkt', 'value': '7'},
                         'krav': {'tag': 'krav', 'value': 'B'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Discharge diagnoses'}},
         'domain_of': ['Opphold']} })
    henvist_fra: HenvistFra = Field(default=..., description="""Henvisende virksomhet eller tjeneste.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '8'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Referred from'}},
         'domain_of': ['Opphold']} })
    utskrevet_til: UtskrevetTil = Field(default=None, description="""Hvor pasienten ble utskrevet til.""", json_schema_extra = { "linkml_meta": {'annotations': {'betingelse': {'tag': 'betingelse',
                                        'value': 'Påkrevd når utskrivningstidspunkt er '
                                                 'oppgitt.'},
                         'betingelse_en': {'tag': 'betingelse_en',
                                           'value': 'Required when a discharge time is '
                                                    'given.'},
                         'forslag_punkt': {'tag': 'forslag_punkt', 'value': '9'},
                         'krav': {'tag': 'krav', 'value': 'B'},
                         'title_en': {'tag': 'title_en', 'value': 'Discharged to'}},
         'domain_of': ['Opphold']} })

    @field_validator('opphold_id')
    def pattern_opphold_id(cls, v):
        pattern=re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid opphold_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid opphold_id format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('innleggelsestidspunkt')
    def pattern_innleggelsestidspunkt(cls, v):
        pattern=re.compile(r"^([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid innleggelsestidspunkt format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid innleggelsestidspunkt format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('utskrivningstidspunkt')
    def pattern_utskrivningstidspunkt(cls, v):
        pattern=re.compile(r"^([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid utskrivningstidspunkt format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid utskrivningstidspunkt format: {v}"
            raise ValueError(err_msg)
        return v


class Pasient(ConfiguredBaseModel):
    """
    Pasienten (punkt 3).
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'Patient'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr'})

    id_type: IdType = Field(default=..., description="""Hvilken type personidentifikator id er (Volven 8116).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '3'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Identifier type'}},
         'domain_of': ['Pasient']} })
    id: StrictStr = Field(default=..., description="""Pasientens fødselsnummer eller annen offisielle id.""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '3'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'personopplysning': {'tag': 'personopplysning',
                                              'value': 'direkte identifiserende'},
                         'title_en': {'tag': 'title_en', 'value': 'Identifier'}},
         'domain_of': ['Pasient']} })
    kjonn: Kjonn = Field(default=..., description="""Pasientens kjønn (Volven 3101).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '3'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Sex'}},
         'domain_of': ['Pasient']} })
    alder: StrictInt = Field(default=..., description="""Pasientens alder i hele år ved innleggelse.""", ge=0, le=130, json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '3'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Age'}},
         'domain_of': ['Pasient']} })
    bostedskommune: StrictStr = Field(default=..., description="""Pasientens bostedskommune ved innleggelse (kommunenummer gyldig på innleggelsesdatoen).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '3'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Municipality of residence'}},
         'domain_of': ['Pasient']} })

    @field_validator('id')
    def pattern_id(cls, v):
        pattern=re.compile(r"^[0-9]{11,12}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid id format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('bostedskommune')
    def pattern_bostedskommune(cls, v):
        pattern=re.compile(r"^[0-9]{4}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid bostedskommune format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid bostedskommune format: {v}"
            raise ValueError(err_msg)
        return v


class Diagnose(ConfiguredBaseModel):
    """
    En diagnose med oppgitt kodeverk (ICPC-2 eller ICD-10). Begge kodeverk kan brukes, så lenge det er klart angitt hvilket.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'Diagnosis'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr'})

    kodeverk: Kodeverk = Field(default=..., description="""Kodeverket koden er hentet fra.""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Code system'}},
         'domain_of': ['Diagnose']} })
    kode: StrictStr = Field(default=..., description="""Diagnosekoden; ICD-10 uten punktum er kanonisk (J189).""", json_schema_extra = { "linkml_meta": {'annotations': {'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Code'}},
         'domain_of': ['Diagnose']} })

    @field_validator('kode')
    def pattern_kode(cls, v):
        pattern=re.compile(r"^-?[A-Za-z0-9][0-9A-Za-z.]{1,6}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid kode format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid kode format: {v}"
            raise ValueError(err_msg)
        return v


class HenvistFra(ConfiguredBaseModel):
    """
    Henvisende virksomhet (punkt 8): kategori fra Volven 8404, og frivillig organisasjonsnummer og/eller HER-id.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'Referred from'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr'})

    kategori: TjenesterOgVesen = Field(default=..., description="""Kategori for henvisende tjeneste (Volven 8404).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '8'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Category'}},
         'domain_of': ['HenvistFra', 'UtskrevetTil']} })
    organisasjonsnummer: StrictStr = Field(default=None, description="""Henvisende virksomhets organisasjonsnummer (frivillig).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '8'},
                         'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Organisation number'}},
         'domain_of': ['Virksomhet', 'HenvistFra', 'UtskrevetTil']} })
    her_id: StrictStr = Field(default=None, description="""Henvisende virksomhets HER-id (frivillig).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '8'},
                         'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en', 'value': 'HER-id'}},
         'domain_of': ['Virksomhet', 'HenvistFra', 'UtskrevetTil']} })

    @field_validator('organisasjonsnummer')
    def pattern_organisasjonsnummer(cls, v):
        pattern=re.compile(r"^[0-9]{9}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid organisasjonsnummer format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid organisasjonsnummer format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('her_id')
    def pattern_her_id(cls, v):
        pattern=re.compile(r"^[1-9][0-9]{0,8}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid her_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid her_id format: {v}"
            raise ValueError(err_msg)
        return v


class UtskrevetTil(ConfiguredBaseModel):
    """
    Hvor pasienten ble utskrevet til (punkt 9): kategori fra Volven 7300, og frivillig organisasjonsnummer og/eller HER-id for mottakende virksomhet.
    """
    linkml_meta: ClassVar[LinkMLMeta] = LinkMLMeta({'annotations': {'title_en': {'tag': 'title_en', 'value': 'Discharged to'}},
         'from_schema': 'https://w3id.org/kad-spec/kad-kpr'})

    kategori: UtTil = Field(default=..., description="""Kategori for utskrivningssted (Volven 7300).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '9'},
                         'krav': {'tag': 'krav', 'value': 'O'},
                         'title_en': {'tag': 'title_en', 'value': 'Category'}},
         'domain_of': ['HenvistFra', 'UtskrevetTil']} })
    organisasjonsnummer: StrictStr = Field(default=None, description="""Mottakende virksomhets organisasjonsnummer (frivillig).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '9'},
                         'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en',
                                      'value': 'Organisation number'}},
         'domain_of': ['Virksomhet', 'HenvistFra', 'UtskrevetTil']} })
    her_id: StrictStr = Field(default=None, description="""Mottakende virksomhets HER-id (frivillig).""", json_schema_extra = { "linkml_meta": {'annotations': {'forslag_punkt': {'tag': 'forslag_punkt', 'value': '9'},
                         'krav': {'tag': 'krav', 'value': 'V'},
                         'title_en': {'tag': 'title_en', 'value': 'HER-id'}},
         'domain_of': ['Virksomhet', 'HenvistFra', 'UtskrevetTil']} })

    @field_validator('organisasjonsnummer')
    def pattern_organisasjonsnummer(cls, v):
        pattern=re.compile(r"^[0-9]{9}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid organisasjonsnummer format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid organisasjonsnummer format: {v}"
            raise ValueError(err_msg)
        return v

    @field_validator('her_id')
    def pattern_her_id(cls, v):
        pattern=re.compile(r"^[1-9][0-9]{0,8}$")
        if isinstance(v, list):
            for element in v:
                if isinstance(element, str) and not pattern.search(element):
                    err_msg = f"Invalid her_id format: {element}"
                    raise ValueError(err_msg)
        elif isinstance(v, str) and not pattern.search(v):
            err_msg = f"Invalid her_id format: {v}"
            raise ValueError(err_msg)
        return v


# Model rebuild
# see https://pydantic-docs.helpmanual.io/usage/models/#rebuilding-a-model
KadMelding.model_rebuild()
Meldingsinfo.model_rebuild()
Kontaktperson.model_rebuild()
Virksomhet.model_rebuild()
Adresse.model_rebuild()
Opphold.model_rebuild()
Pasient.model_rebuild()
Diagnose.model_rebuild()
HenvistFra.model_rebuild()
UtskrevetTil.model_rebuild()

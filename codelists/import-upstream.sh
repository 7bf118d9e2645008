#!/bin/sh
# Rebuild codelists/icd10.csv and codelists/icpc2.csv from the directorate's yearly editions as NAV
# exported them (see codelists/README.md, "ICD-10 and ICPC-2 editions"), with the project's importer.
#   codelists/import-upstream.sh UPSTREAM_DIR [KAD_SPEC]
# UPSTREAM_DIR holds icd10-YYYY.json and icpc2-YYYY.json; the lists are built in a fresh folder,
# one edition after the other, and copied here only when every import succeeded.
set -eu
up=$1
kad=${2:-kad-spec}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

old=navikt/syfodiagnosecodegeneratorjson
new=navikt/diagnosekoder
oldpath=src/main/resources/json
newpath=packages/@navikt/diagnosekoder/src

imp() {  # list edition file repository path commit [extra options]
  list=$1 ed=$2 file=$3 repo=$4 path=$5 commit=$6
  shift 6
  case $list in
    icd10) lic="MIT (NAV); kodeverket © Helsedirektoratet (ICD-10 © WHO)" ;;
    *) lic="MIT (NAV); kodeverket © Helsedirektoratet (ICPC-2 © WONCA)" ;;
  esac
  "$kad" codelists import "$up/$file" --format navikt-json --list "$list" --edition "$ed" --into "$work" \
    --repository "$repo" --source-path "$path" --commit "$commit" --licence "$lic" \
    --source "$repo $path @ ${commit%"${commit#???????}"} (Helsedirektoratet $list $ed)" "$@"
}

imp icd10 2020 icd10-2020.json $old $oldpath/ICD10.json 5266fddb1c6f172e9db9ce835ac190f515894b20
imp icd10 2021 icd10-2021.json $old $oldpath/ICD10.json 621ba003c7ecb4c8266cd9c68abf7f8bf397a83d
imp icd10 2022 icd10-2022.json $old $oldpath/ICD10.json a011faa4175f1bcb80ef1fd7803eda7eb60d4d3b
imp icd10 2023 icd10-2023.json $old $oldpath/ICD10.json 2e10c9b1f958c44e0f1cc003c1b3f9a7d167ad19
imp icd10 2024 icd10-2024.json $new $newpath/ICD10.json eed286f37ea3033d011e4c88d3427f38b0e6b5ef
imp icd10 2025 icd10-2025.json $new $newpath/ICD10.json 36d630fe3517823d4fbf7823606555110c42e50b
imp icd10 2026 icd10-2026.json $new $newpath/ICD10.json 89bde642456ac70fe158940be50249ef77a1d958

# 2019 carries the 40 process codes with their official 60-character texts; later files lack
# them, and the importer carries them forward. ICPC-2 did not change for 2021: 2020 covers it.
imp icpc2 2019 icpc2-2019-med-prosesskoder-og-icd10.json $old $oldpath/ICPC2.json 706610dbba48f90592f7af61dc53a539ab87d418
imp icpc2 2020 icpc2-2020.json $old $oldpath/ICPC2.json 24fe22993bbffec334f686525f6cbd0982dd3afd \
  --valid-to 2021-12-31 --note "ingen utgave 2021 oppstrøms: ICPC-2 ble ikke endret, 2020-utgaven gjelder 2020–2021"
imp icpc2 2022 icpc2-2022.json $old $oldpath/ICPC2.json ee4149dbb889e0b25ff046692a374c0c17445080
imp icpc2 2023 icpc2-2023.json $old $oldpath/ICPC2.json 2e10c9b1f958c44e0f1cc003c1b3f9a7d167ad19 \
  --carry-over "D991 D992 D993 D994 D995 D996 D997 D998 D999 R993 R994 R995 R996 R997 R998 R999" \
  --note "eksportfeil oppstrøms: D991–D999 og R993–R999 mangler i 2023-filen, men finnes i 2022 og 2024; ført videre fra 2022"
imp icpc2 2024 icpc2-2024.json $new $newpath/ICPC2.json eed286f37ea3033d011e4c88d3427f38b0e6b5ef
imp icpc2 2025 icpc2-2025.json $new $newpath/ICPC2.json 36d630fe3517823d4fbf7823606555110c42e50b
imp icpc2 2026 icpc2-2026.json $new $newpath/ICPC2.json 89bde642456ac70fe158940be50249ef77a1d958

cp "$work/icd10.csv" "$work/icpc2.csv" "$here/"

# The directorate's 2019 conversion tables, both directions (codelists/konvertering/).
for dir in icpc2:icpc2-2019-med-prosesskoder-og-icd10.json:ICPC2.json icd10:icd10-icpc2-2019-konvertering.json:ICD10.json; do
  from=${dir%%:*} rest=${dir#*:}
  file=${rest%%:*} name=${rest#*:}
  "$kad" codelists import-conversion "$up/$file" --from "$from" --edition 2019 --into "$work" \
    --repository $old --source-path "$oldpath/$name" --commit 706610dbba48f90592f7af61dc53a539ab87d418 \
    --licence "MIT (NAV); konverteringsfilen © Helsedirektoratet" \
    --source "Helsedirektoratet, Konverteringsfil ICPC-2 til ICD-10 og omvendt (2019), eksportert av NAV"
done
mkdir -p "$here/konvertering"
cp "$work/konvertering/"*.csv "$here/konvertering/"

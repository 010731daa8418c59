"""One-off: the R survey package's example data (data/api.rda, data/fpc.rda of
survey 4.5) as the CSV fixtures beside this file. Not run by the suite.

    git show <survey commit>:data/api.rda > api.rda   # cran/survey on GitHub
    python extract_api.py api.rda fpc.rda

Needs pyreadr. pyreadr hands R's doubles of pw back as float32 noise
(33.84699631 for 33.847), so pw is rounded to 3 decimals and fpc's x to 1,
which restores R's values (33.847; 44.21, 15.1, 20.36; x = 2.8, 4.1, ...).
"""

import sys

import pyreadr

COLUMNS = [
    "cds",
    "stype",
    "dnum",
    "snum",
    "pw",
    "api00",
    "api99",
    "sch.wide",
    "comp.imp",
    "awards",
    "both",
    "yr.rnd",
    "meals",
]


def main(api: str, fpc: str) -> None:
    for name in ("apiclus1", "apistrat"):
        data = pyreadr.read_r(api, use_objects=[name])[name][COLUMNS].copy()
        data["pw"] = data["pw"].round(3)
        for col in ("dnum", "snum", "api00", "api99", "meals"):
            data[col] = data[col].astype(int)
        data.to_csv(f"{name}.csv", index=False)
    data = pyreadr.read_r(fpc)["fpc"]
    for col in ("stratid", "psuid", "weight", "nh", "Nh"):
        data[col] = data[col].astype(int)
    data["x"] = data["x"].round(1)  # float32 noise again: R's x is 2.8, 4.1, ...
    data.to_csv("fpc.csv", index=False)


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Write synthetic instance folders with the package generator (staffline.synthetic).

python instances/generate.py jiangdong --out instances/jiangdong --seed 0
python instances/generate.py generic --staff 60 --roles 4 --weeks 26 --seed 1 --out /tmp/b60
"""

from __future__ import annotations

import argparse

from staffline.io import write_instance
from staffline.synthetic import generate_instance, jiangdong


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["jiangdong", "generic"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--staff", type=int, default=11)
    parser.add_argument("--roles", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=26)
    args = parser.parse_args(argv)
    if args.kind == "jiangdong":
        instance = jiangdong(seed=args.seed, weeks=args.weeks)
    else:
        instance = generate_instance(args.staff, args.roles, weeks=args.weeks, seed=args.seed)
    write_instance(instance, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""Two roster folders of one small generated branch, shared by the report tests."""

import pytest
from click.testing import CliRunner

from staffline.cli import main
from staffline.io import write_instance
from staffline.synthetic import generate_instance


@pytest.fixture(scope="package")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    write_instance(generate_instance(6, 2, weeks=3, seed=5), root / "branch")
    for name, extra in (("base", ["--simulate", "10"]), ("reseeded", ["--seed", "1"])):
        res = CliRunner().invoke(
            main, ["roster", str(root / "branch"), "--out", str(root / name), "--time-limit", "5", "--workers", "1", "-q", *extra]
        )
        assert res.exit_code == 0, res.output
    return root

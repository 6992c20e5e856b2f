"""Every plan shows versions as people read them: ``numpy 1.26.4 -> 2.2.6``, ``+ x 1.0``,
``- x 1.0``; here rebuild's and rollback's (create's and install's are in test_create and
test_channels)."""

from __future__ import annotations

from tests.helpers import condapip, pip


def test_rebuild_plan_says_pips_copy_over_a_conda_package_goes(make_env, find_links):
    prefix = make_env()
    assert pip(prefix, "install", "beta==2.0", find_links=find_links).returncode == 0
    plan = condapip("rebuild", "-p", str(prefix), "--dry-run")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "- beta 2.0" in plan.stdout  # pip's beta goes; conda's 1.0 is linked afresh


def test_rollback_plan_says_which_versions_go_and_come_back(make_env, channel, find_links):
    prefix = make_env()
    done = condapip("install", "-p", str(prefix), "epsilon", "zeta", "--yes")
    assert done.returncode == 0, done.stderr
    plan = condapip("rollback", "-p", str(prefix), "--dry-run")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "- epsilon 1.0" in plan.stdout and "- zeta 1.0" in plan.stdout


def test_an_install_plan_lists_only_the_versions_it_changes(make_env):
    prefix = make_env()  # python, pip, alpha, beta
    plan = condapip("install", "-p", str(prefix), "zeta", "--dry-run")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    versions = plan.stdout.split("versions:\n", 1)[1].splitlines()
    assert [v.split("  (")[0].strip() for v in versions[:-1]] == ["+ zeta 1.0"]

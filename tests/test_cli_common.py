"""The human-readable table shows what was computed and nothing else."""


def test_table_hides_quantities_not_computed(cli):
    # the adjoint estimator gives currents only: densities are NaN and must not
    # fill the table with empty columns
    r = cli("simulate", "--layout", ".SD.", "--steps", "4000", "--estimator", "adjoint")
    assert r.code == 0, r.err
    assert "I_in" in r.out and "J fwd" in r.out
    assert "rho_plus" not in r.out
    # linear mode has no unmet drain
    r = cli("simulate", "--layout", ".SD.", "--steps", "2000")
    assert r.code == 0 and "rho_plus fwd" in r.out and "unmet_drain" not in r.out

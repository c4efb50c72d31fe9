"""The soak's checker finds every kind of fault it reports (it must be able to fail)."""

from tests.chaos.checker import Accepted, Stored, check


def _acc(n: int, device: str = "eval-01") -> list[Accepted]:
    return [Accepted(device, s, f"{device}-e{s}", True, (f"{device}-C{s}", 1)) for s in range(1, n + 1)]


def _st(accepted: list[Accepted]) -> list[Stored]:
    return [Stored(a.device, a.seq, a.event_id, a.case_round) for a in accepted]


def test_a_clean_run_passes():
    acc = _acc(5) + _acc(3, "eval-02")
    v = check(acc, _st(acc))
    assert v.ok and v.line().startswith("accepted=8 stored=8 system-defaults=0 lost=0 duplicated=0 unacked=0")


def test_loss_duplicate_phantom_unacked_and_gap_are_each_found():
    acc = _acc(5)
    stored = _st(acc[1:])  # the first one lost
    stored.append(Stored("eval-01", 3, "other-id", None))  # seq 3 stored twice
    stored.append(Stored("eval-01", 9, "eval-01-e9", ("eval-01-C2", 1)))  # never accepted, case twice
    acc[4] = Accepted("eval-01", 5, "eval-01-e5", False, None)
    acc.append(Accepted("eval-01", 7, "eval-01-e7", True, None))  # seq 6 missing
    stored.append(Stored("eval-01", 7, "eval-01-e7", None))
    v = check(acc, stored)
    assert not v.ok
    assert v.lost == ["eval-01-e1"]
    assert v.phantom == ["eval-01-e9", "other-id"]
    assert v.unacked == ["eval-01-e5"]
    assert v.gaps == ["eval-01#6"]
    assert "eval-01#3 x2" in v.duplicated and "case eval-01-C2/1 x2" in v.duplicated


def test_system_defaults_are_counted_apart_but_not_twice_per_case():
    acc = _acc(2)
    stored = [
        *_st(acc),
        Stored("county", 0, "d1", ("C-OLD", 1), system_default=True),
        Stored("county", 0, "d2", ("C-OLD-2", 1), system_default=True),
    ]
    v = check(acc, stored)
    assert v.ok and v.system_defaults == 2 and v.stored == 2
    v = check(acc, [*stored, Stored("county", 0, "d3", ("C-OLD", 1), system_default=True)])
    assert v.duplicated == ["case C-OLD/1 x2"]

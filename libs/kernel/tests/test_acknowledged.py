"""Noticing a broker that lost messages it had acknowledged, from its offsets alone."""

from kernel.eventsourcing.acknowledged import AcknowledgedOffsets, Delivered


def acknowledged(*offsets: int, topic: str = "t.v1") -> AcknowledgedOffsets:
    """Events at positions 10, 11, ... acknowledged at the given offsets."""
    offsets_seen = AcknowledgedOffsets()
    for position, offset in enumerate(offsets, start=10):
        assert offsets_seen.record(position, Delivered(topic, 0, offset)) is None
    return offsets_seen


def test_growing_offsets_are_no_loss():
    offsets = acknowledged(0, 1, 2, 3)
    assert offsets.check_ends({("t.v1", 0): 4}) == []
    assert offsets.record(14, Delivered("t.v1", 0, 4)) is None


def test_an_offset_given_out_again_means_the_messages_from_it_on_were_lost():
    offsets = acknowledged(0, 1, 2, 3, 4)  # positions 10-14
    lost = offsets.record(15, Delivered("t.v1", 0, 3))  # the broker lost offsets 3 and 4
    assert lost is not None and lost.complete
    assert lost.from_offset == 3
    assert lost.republish_after == 12  # positions 13 and on go again (15 with them)
    assert "t.v1[0]" in lost.describe() and "offset 3" in lost.describe()


def test_an_end_offset_at_or_below_the_last_acknowledged_one_means_a_lost_tail():
    offsets = acknowledged(0, 1, 2, 3, 4)
    [lost] = offsets.check_ends({("t.v1", 0): 2})
    assert (lost.from_offset, lost.republish_after) == (2, 11)
    # the lost ones are forgotten: published again at the same offsets, they are no loss
    assert offsets.record(12, Delivered("t.v1", 0, 2)) is None
    assert offsets.check_ends({("t.v1", 0): 3}) == []


def test_partitions_are_told_apart():
    offsets = AcknowledgedOffsets()
    offsets.record(1, Delivered("a.v1", 0, 7))
    offsets.record(2, Delivered("b.v1", 0, 0))
    offsets.record(3, Delivered("a.v1", 1, 0))
    assert offsets.check_ends({("a.v1", 0): 8, ("b.v1", 0): 1, ("a.v1", 1): 1}) == []
    [lost] = offsets.check_ends({("a.v1", 0): 8, ("b.v1", 0): 0})
    assert lost.partition == ("b.v1", 0) and lost.republish_after == 1


def test_a_loss_reaching_back_past_what_is_remembered_publishes_everything_again():
    offsets = acknowledged(50, 51, 52)  # acknowledgements before these went to an earlier run
    lost = offsets.record(13, Delivered("t.v1", 0, 48))
    assert lost is not None and not lost.complete
    assert lost.republish_after == 0


def test_only_what_was_acknowledged_recently_is_unsure():
    now = [0.0]
    offsets = AcknowledgedOffsets(unsure_for_s=60, clock=lambda: now[0])
    offsets.record(1, Delivered("t.v1", 0, 0))
    now[0] = 30.0
    offsets.record(2, Delivered("u.v1", 0, 0))
    now[0] = 70.0
    assert offsets.unsure() == [("u.v1", 0)]


def test_memory_is_bounded():
    offsets = AcknowledgedOffsets(remember=3)
    for position in range(100):
        offsets.record(position, Delivered("t.v1", 0, position))
    lost = offsets.record(100, Delivered("t.v1", 0, 98))
    assert lost is not None and lost.republish_after == 97

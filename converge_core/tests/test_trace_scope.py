from converge_core.context import current_trace_id, trace_scope


def test_a_scope_reuses_the_enclosing_trace_unless_given_one(monkeypatch):
    monkeypatch.delenv("CONVERGE_TRACE_ID", raising=False)
    assert current_trace_id() is None
    with trace_scope("trace-request") as outer:
        with trace_scope() as inner:
            assert inner == outer == "trace-request"
        with trace_scope("trace-other") as explicit:
            assert explicit == current_trace_id() == "trace-other"
        assert current_trace_id() == "trace-request"
    with trace_scope() as fresh:
        assert fresh.startswith("trace-") and fresh != "trace-request"
    assert current_trace_id() is None

from converge_core.plans import find_dependency_cycle, format_cycle


def test_cycle_through_existing_intents_is_found_with_its_path():
    graph = {"a": ["b"], "b": ["c"], "c": []}
    # "c" is being created with a dependency on "a": a -> b -> c closes the loop
    assert find_dependency_cycle("c", ["a"], graph.get) == ["c", "a", "b", "c"]


def test_unknown_dependencies_are_not_a_cycle():
    assert find_dependency_cycle("x", ["later-1", "later-2"], {}.get) is None


def test_a_diamond_is_not_a_cycle():
    graph = {"b": ["d"], "c": ["d"], "d": []}
    assert find_dependency_cycle("a", ["b", "c"], graph.get) is None


def test_cycle_is_rendered_with_arrows():
    assert format_cycle(["a", "b", "a"]) == "a → b → a"

"""The embedded broker's transport: whole messages, one delivery each, acknowledged messages
gone, unreadable files set aside, crashed workers' claims requeued by the sweep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Exchange, Producer, Queue
from kombu.exceptions import ChannelError

from converge_site.broker import (
    CLAIM_TIMEOUT_SECONDS,
    EmbeddedTransport,
    embedded_broker_state,
    embedded_broker_sweep,
    folders_prepare,
    transport_options,
)


@pytest.fixture
def options(tmp_path: Path) -> dict[str, Any]:
    options = transport_options(tmp_path / "broker")
    folders_prepare(options)
    return options


def connect(options: dict[str, Any]) -> Connection:
    return Connection("filesystem://", transport=EmbeddedTransport, transport_options=options)


def files(options: dict[str, Any], key: str) -> list[str]:
    return sorted(os.listdir(options[key]))


def send(connection: Connection, *bodies: Any, queue: str = "default") -> None:
    producer = Producer(connection.default_channel)
    for body in bodies:
        producer.publish(body, exchange="", routing_key=queue, serializer="json")


def receive(connection: Connection, queue: str = "default") -> Any:
    return connection.default_channel.basic_get(queue)


def test_a_message_is_claimed_then_gone_once_acknowledged(options):
    with connect(options) as connection:
        send(connection, {"n": 1})
        assert len(files(options, "data_folder_in")) == 1
        assert files(options, "staging_folder") == []  # written whole, then renamed in

        message = receive(connection)
        assert message.decode() == {"n": 1}
        assert files(options, "data_folder_in") == []
        assert len(files(options, "claimed_folder")) == 1

        message.ack()
        assert files(options, "claimed_folder") == []
        assert receive(connection) is None


def test_messages_come_out_in_the_order_they_were_sent(options):
    with connect(options) as connection:
        send(connection, *({"n": n} for n in range(20)))
        received = [receive(connection) for _ in range(20)]
    assert [message.decode()["n"] for message in received] == list(range(20))


def test_a_rejected_message_is_requeued_once_and_its_claim_deleted(options):
    with connect(options) as connection:
        send(connection, {"n": 1})
        receive(connection).reject(requeue=True)
        assert files(options, "claimed_folder") == []
        again = receive(connection)
        assert again.decode() == {"n": 1}
        again.ack()
        assert receive(connection) is None


def test_closing_a_consumer_gives_back_what_it_did_not_acknowledge(options):
    with connect(options) as first:
        send(first, {"n": 1}, {"n": 2})
        receive(first).ack()
        assert receive(first).decode() == {"n": 2}  # held, never acknowledged
    assert files(options, "claimed_folder") == []
    with connect(options) as second:
        assert receive(second).decode() == {"n": 2}
        assert receive(second) is None


def test_two_consumers_never_receive_the_same_message(options):
    with connect(options) as sender:
        send(sender, *({"n": n} for n in range(200)))
    seen: list[int] = []

    def consume() -> None:
        with connect(options) as connection:
            while (message := receive(connection)) is not None:
                seen.append(message.decode()["n"])
                message.ack()

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(seen) == list(range(200))
    assert files(options, "claimed_folder") == [] and files(options, "data_folder_in") == []


def test_an_unreadable_message_is_set_aside_and_the_next_one_delivered(options, caplog):
    inbox = Path(options["data_folder_in"])
    # What an older release left when a consumer read a message still being written.
    (inbox / "00000000000000000001_half.default.msg").write_text('{"body": "eyJ')
    (inbox / "00000000000000000002_empty.default.msg").write_text("")
    with connect(options) as connection:
        send(connection, {"n": 1})
        message = receive(connection)
        assert message.decode() == {"n": 1}
        message.ack()
    assert files(options, "damaged_folder") == [
        "00000000000000000001_half.default.msg",
        "00000000000000000002_empty.default.msg",
    ]
    assert "unreadable message moved to" in caplog.text
    assert embedded_broker_state(options)["damaged"] == 2


def test_concurrent_bindings_are_all_kept(options):
    errors: list[Exception] = []

    def bind(name: str) -> None:
        try:
            with connect(options) as connection:
                exchange = Exchange("tasks", type="direct")
                Queue(name, exchange, routing_key=name)(connection.default_channel).declare()
        except Exception as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=bind, args=(f"q{n}",)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with connect(options) as connection:
        table = connection.default_channel.get_table("tasks")
    assert sorted(row.queue for row in table) == sorted(f"q{n}" for n in range(12))


def test_a_damaged_exchange_table_refuses_to_route_until_a_binding_rebuilds_it(options):
    table = Path(options["control_folder"]) / "tasks.exchange"
    table.write_text('[["default", "", "def')
    exchange = Exchange("tasks", type="direct")
    with connect(options) as connection:
        channel = connection.default_channel
        with pytest.raises(ChannelError, match="damaged"):
            channel.get_table("tasks")
        Queue("default", exchange, routing_key="default")(channel).declare()
        Producer(channel).publish({"n": 1}, exchange=exchange, routing_key="default")
        assert receive(connection).decode() == {"n": 1}


CRASHING_CONSUMER = """
import json, os, sys
from kombu import Connection
from converge_site.broker import EmbeddedTransport
options = json.loads(sys.argv[1])
connection = Connection("filesystem://", transport=EmbeddedTransport, transport_options=options)
channel = connection.default_channel
for _ in range(2):
    channel.basic_get("default")
os._exit(0)  # as a worker killed with its messages claimed
"""


def test_the_sweep_requeues_stale_claims_and_deletes_abandoned_staging_files(options):
    with connect(options) as connection:
        send(connection, {"n": 1}, {"n": 2})
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_CONSUMER, json.dumps(options)], env=os.environ
    )
    assert crashed.returncode == 0
    claimed = [Path(options["claimed_folder"]) / name for name in files(options, "claimed_folder")]
    assert len(claimed) == 2
    old = time.time() - CLAIM_TIMEOUT_SECONDS - 60
    os.utime(claimed[0], (old, old))  # the first claim is over an hour old
    staging = Path(options["staging_folder"])
    (staging / "abandoned.tmp").write_text("{")
    os.utime(staging / "abandoned.tmp", (old, old))
    (staging / "being-written.tmp").write_text("{")

    assert embedded_broker_state(options) == {"waiting": 0, "claimed": 2, "stale": 1, "damaged": 0}
    assert embedded_broker_sweep(options) == {"restored": 1, "abandoned": 1}

    assert files(options, "staging_folder") == ["being-written.tmp"]
    assert files(options, "claimed_folder") == [claimed[1].name]  # a recent claim stays
    with connect(options) as connection:
        message = receive(connection)
        assert message.decode() == {"n": 1}
        message.ack()
        assert receive(connection) is None

"""sd_notify without a library: real AF_UNIX datagram sockets, path and abstract."""
from __future__ import annotations

import os
import socket
import threading
import time
from types import SimpleNamespace

import pytest

from device.app.notify import Watchdog, notify, ready, sampler_is_alive, socket_address, stopping
from support.notify import NotifyListener
from support.waiting import wait_until


@pytest.fixture
def listener(tmp_path):
    """A datagram socket standing in for systemd's /run/systemd/notify."""
    systemd = NotifyListener(str(tmp_path / "notify"))
    yield systemd.path, systemd.sock
    systemd.close()


def receive(sock: socket.socket) -> str:
    return sock.recv(4096).decode()


def test_sends_to_a_path_socket(listener):
    path, sock = listener
    assert notify("READY=1", env={"NOTIFY_SOCKET": path})
    assert receive(sock) == "READY=1"


def test_sends_to_an_abstract_socket():
    name = f"smartdowel-test-{os.getpid()}-{time.monotonic_ns()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2.0)
    try:
        assert notify("WATCHDOG=1", env={"NOTIFY_SOCKET": "@" + name})
        assert receive(sock) == "WATCHDOG=1"
    finally:
        sock.close()


def test_ready_with_status_and_stopping(listener):
    path, sock = listener
    env = {"NOTIFY_SOCKET": path}
    assert ready("sensors ok", env=env)
    assert receive(sock) == "READY=1\nSTATUS=sensors ok"
    assert stopping(env=env)
    assert receive(sock) == "STOPPING=1"


def test_uses_the_process_environment_by_default(listener, monkeypatch):
    path, sock = listener
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    assert notify("STATUS=hello")
    assert receive(sock) == "STATUS=hello"


@pytest.mark.parametrize("value", ["", "@", "relative/path", "vsock:2:1234"])
def test_unusable_socket_values_send_nothing(value):
    assert socket_address(value) is None
    assert notify("READY=1", env={"NOTIFY_SOCKET": value}) is False


def test_a_vanished_socket_is_not_an_error(tmp_path):
    assert notify("READY=1", env={"NOTIFY_SOCKET": str(tmp_path / "gone")}) is False


def test_watchdog_interval_is_half_the_timeout():
    assert Watchdog(env={"WATCHDOG_USEC": "10000000"}).interval() == 5.0
    assert Watchdog(env={}).interval() is None
    assert Watchdog(env={"WATCHDOG_USEC": "0"}).interval() is None
    assert Watchdog(env={"WATCHDOG_USEC": "soon"}).interval() is None


def test_watchdog_meant_for_another_process_is_ignored():
    env = {"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"}
    assert Watchdog(env=env, pid=4242).interval() is None
    assert Watchdog(env=env, pid=1).interval() == 5.0


def test_kicks_only_while_the_sampler_lives_and_when_due(listener):
    path, sock = listener
    dog = Watchdog(env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"})
    assert dog.kick_if_alive(True, now=10.0)
    assert receive(sock) == "WATCHDOG=1"
    assert not dog.kick_if_alive(True, now=10.5)       # not due: interval is 1 s
    assert not dog.kick_if_alive(False, now=12.0)      # due, but the sampler is dead
    assert dog.kick_if_alive(True, now=12.0)
    assert receive(sock) == "WATCHDOG=1"
    sock.settimeout(0.05)
    with pytest.raises(socket.timeout):
        sock.recv(64)                                  # exactly two datagrams went out


def test_a_failed_send_is_retried_on_the_next_turn():
    sent = []
    outcomes = iter([False, True])
    dog = Watchdog(env={"WATCHDOG_USEC": "2000000"}, send=lambda s: sent.append(s) or next(outcomes))
    assert not dog.kick_if_alive(True, now=1.0)
    assert dog.kick_if_alive(True, now=1.01)
    assert sent == ["WATCHDOG=1", "WATCHDOG=1"]


def test_sampler_liveness_needs_a_running_thread_that_goes_round():
    assert sampler_is_alive(SimpleNamespace(running=True, alive_at=99.5), now=100.0)
    assert not sampler_is_alive(SimpleNamespace(running=True, alive_at=90.0), now=100.0)  # stuck
    assert not sampler_is_alive(SimpleNamespace(running=False, alive_at=100.0), now=100.0)


def test_with_the_real_sampler():
    from device.app.sampler import Sampler

    class Adc:
        def read(self, channel: int) -> int:
            return 100

    s = Sampler(Adc(), None, rate_hz=200, on_sample=lambda x: None, on_event=lambda e: None)
    assert not sampler_is_alive(s, time.monotonic())
    s.start()
    try:
        wait_until(lambda: sampler_is_alive(s, time.monotonic()), what="the sampler going round")
    finally:
        s.stop()
    assert not sampler_is_alive(s, time.monotonic())


def test_concurrent_senders_each_get_through(listener):
    path, sock = listener
    env = {"NOTIFY_SOCKET": path}
    threads = [threading.Thread(target=notify, args=(f"STATUS={i}", env)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = sorted(receive(sock) for _ in range(8))
    assert got == sorted(f"STATUS={i}" for i in range(8))

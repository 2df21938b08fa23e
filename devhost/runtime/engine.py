"""The dispatcher: turns queued messages into orchestrator episodes, activity runs and entity batches.

Three loops share one store. Orchestrator episodes run on one thread (they are short, CPU-bound
replays), committed in groups for throughput but each episode atomically. Activities and entity
batches (the agents) run in pools of their own, so slow activities never hold up agent calls; each
result commits together with the removal of its work item, so a finished activity or agent call is
never run again, whatever happens to the process. When the store refuses writes (disk full, read-only
file), results wait in memory and every loop retries with growing pauses until it works again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..app.app_index import FunctionIndex
from ..app.host_config import DurableConfig
from ..store import events as ev
from ..store.event_store import ActivityItem, Instance, Store, StoreError, Tx
from . import limits
from .backoff import MAX_PAUSE, Backoff
from .episode import Episode, failed_episode, run_episode
from .invoke import UnknownFunction, failure_line, run_activity, run_entity_batch
from .rewind import rewind
from .workers import DaemonPool

log = logging.getLogger("devhost.engine")

EPISODES_PER_COMMIT = 64
ENTITY_BATCH_SIZE = 32
STOP_BUDGET = 2.0  # seconds stop() waits for the dispatch loops

__all__ = ["Engine", "UnknownFunction"]


@dataclass(frozen=True)
class _Completion:
    """Finished work waiting to be committed: what to write, and what to do once it is written."""

    commit: Callable[[Tx], None]
    release: Callable[[], None]


@dataclass
class _Wakeup:
    """A flag a loop sleeps on; set whenever new work of its kind is committed."""

    event: threading.Event

    def set(self) -> None:
        self.event.set()

    def wait(self, timeout: float | None) -> None:
        self.event.wait(timeout)
        self.event.clear()


class Engine:
    def __init__(self, store: Store, index: FunctionIndex, config: DurableConfig | None = None) -> None:
        self.store = store
        self.index = index
        self.config = config or DurableConfig()
        self._rejected: set[str] = set()  # instances of a version this host must not run (and must not retry)
        self._activity_pool = DaemonPool(self.config.max_activities, "devhost-activity")
        self._entity_pool = DaemonPool(self.config.max_entities, "devhost-entity")
        self._stopping = threading.Event()
        self._orchestrations = _Wakeup(threading.Event())
        self._activities = _Wakeup(threading.Event())
        self._entities = _Wakeup(threading.Event())
        self._running_activities: set[int] = set()
        self._running_entities: set[str] = set()
        self._completions: deque[_Completion] = deque()
        self._lock = threading.Lock()
        loops = {
            "orchestrations": (self._orchestrations, self._dispatch_episodes),
            "activities": (self._activities, self._dispatch_activities),
            "entities": (self._entities, self._dispatch_entities),
        }
        self._threads = [
            threading.Thread(target=self._loop, args=(name, *loop), name=f"devhost-{name}", daemon=True)
            for name, loop in loops.items()
        ]

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop dispatching; work in flight is abandoned uncommitted and redone on the next start."""
        self._stopping.set()
        for wake in (self._orchestrations, self._activities, self._entities):
            wake.set()
        deadline = time.monotonic() + STOP_BUDGET
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        for pool in (self._activity_pool, self._entity_pool):
            pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self, name: str, wake: _Wakeup, dispatch: Callable[[], float | None]) -> None:
        backoff = Backoff(f"dispatching {name}")
        while not self._stopping.is_set():
            try:
                timeout = dispatch()
            except StoreError as exc:  # pause whatever wakes the loop, so a failing store is not hammered
                self._stopping.wait(backoff.failed(exc))
                continue
            except Exception:  # a bug here must not silently stop the host
                log.exception("dispatcher error")
                timeout = 1.0
            else:
                backoff.succeeded()
            wake.wait(timeout)

    # -- client operations -----------------------------------------------------------------

    def start_orchestration(
        self, name: str, instance_id: str, input_json: str | None, version: str | None = None
    ) -> None:
        """Schedule a new instance; without a ``version`` it gets host.json's ``defaultVersion``."""
        if name not in self.index.orchestrators:
            raise UnknownFunction(f"no orchestrator function named '{name}' in this app")
        limits.check_instance_id(instance_id)
        limits.check_payload("The orchestration input", input_json)
        now = time.time()
        version = self.config.default_version if version is None else version
        with self.store.transaction() as tx:
            tx.create_instance(instance_id, name, input_json, version=version)
            tx.send(instance_id, ev.execution_started(name, input_json, now, version))
        with self._lock:
            self._rejected.discard(instance_id)
        log.info("orchestration %s (%s) scheduled", name, instance_id)
        self._orchestrations.set()

    def raise_event(self, instance_id: str, event_name: str, input_json: str | None) -> None:
        limits.check_payload(f"The data of event '{event_name}'", input_json)
        with self.store.transaction() as tx:
            tx.send(instance_id, ev.event_raised(event_name, input_json, time.time()))
        log.info("event %s raised for %s", event_name, instance_id)
        self._orchestrations.set()

    def terminate(self, instance_id: str, reason: str) -> None:
        with self.store.transaction() as tx:
            tx.append_history(
                instance_id, [ev.event(ev.EventType.EXECUTION_TERMINATED, time.time(), Input=json.dumps(reason))]
            )
            tx.set_status(instance_id, "Terminated", output=json.dumps(reason))
            tx.drop_instance_work(instance_id)
        log.info("orchestration %s terminated: %s", instance_id, reason)

    def rewind(self, instance_id: str, reason: str) -> None:
        """Run a failed instance again from where it failed (see ``devhost/runtime/rewind.py``)."""
        with self.store.transaction() as tx:
            rewind(tx, instance_id, reason, time.time())
        log.info("orchestration %s rewound: %s", instance_id, reason)
        for wake in (self._orchestrations, self._activities, self._entities):
            wake.set()

    def set_suspended(self, instance_id: str, suspended: bool) -> None:
        with self.store.transaction() as tx:
            tx.set_status(instance_id, "Suspended" if suspended else "Running")
        self._orchestrations.set()

    def signal_entity(self, entity_id: str, operation: str, input_json: str | None) -> None:
        self._check_entity(entity_id)
        limits.check_entity_key(entity_id.split("@", 2)[2])
        limits.check_payload(f"The input of operation '{operation}'", input_json)
        with self.store.transaction() as tx:
            tx.queue_entity_op(entity_id, operation, input_json)
        self._entities.set()

    def _check_entity(self, entity_id: str) -> None:
        name = entity_id.split("@")[1]
        if name not in self.index.entities:
            raise UnknownFunction(f"no entity function named '{name}' in this app")

    # -- orchestrations --------------------------------------------------------------------

    def _dispatch_episodes(self) -> float | None:
        self._commit_completions()
        now = time.time()
        with self._lock:
            rejected = list(self._rejected)
        ready = self.store.ready_instances(now, EPISODES_PER_COMMIT, rejected)
        if ready:
            self._run_episodes(ready, now)
            return 0
        next_at = self.store.next_visible_at(rejected)
        return None if next_at is None else max(0.0, next_at - time.time())

    def _run_episodes(self, instance_ids: list[str], now: float) -> None:
        results = []
        for instance_id in instance_ids:
            instance = self.store.instance(instance_id)
            messages = self.store.inbox(instance_id, now)
            if instance is None or not messages:
                continue
            mismatch = self.config.versioning.mismatch(instance.version) if self.config.versioning else None
            if mismatch and self.config.versioning.on_mismatch == "Reject":  # type: ignore[union-attr]
                with self._lock:
                    self._rejected.add(instance_id)
                log.warning("orchestration %s (%s) is left waiting: %s", instance.name, instance_id, mismatch)
                continue
            past = self.store.history(instance_id)
            new = [m.event for m in messages]
            started = time.perf_counter()
            handler = self.index.orchestrators.get(instance.name)
            if mismatch:
                episode = failed_episode(new, mismatch, now)
            elif handler is None:
                episode = failed_episode(new, f"orchestrator '{instance.name}' is not registered", now)
            else:
                episode = run_episode(handler, instance, past, new, now)
            elapsed = (time.perf_counter() - started) * 1000
            log.info(
                "episode %s %s: %d new event(s) -> %s, %d activity, %d agent/entity, %d timer (%.1f ms)",
                instance.name,
                instance_id,
                len(new),
                episode.status,
                len(episode.activities),
                len(episode.entity_requests),
                len(episode.timers),
                elapsed,
            )
            results.append((instance, [m.id for m in messages], episode))
        with self.store.transaction() as tx:
            for instance, consumed, episode in results:
                current = tx.status(instance.id)
                if current not in ("Pending", "Running", "Suspended"):
                    continue  # terminated or purged while the episode ran: its outcome no longer applies
                tx.consume(consumed)
                if current == "Suspended" and episode.status == "Running":
                    episode.status = "Suspended"
                self._commit_episode(tx, instance, episode)
        if any(episode.activities for *_, episode in results):
            self._activities.set()
        if any(episode.entity_requests for *_, episode in results):
            self._entities.set()

    def _commit_episode(self, tx: Tx, instance: Instance, episode: Episode) -> None:
        now, instance_id = time.time(), instance.id
        tx.append_history(instance_id, episode.events)
        for task_id, activity, input_json in episode.activities:
            tx.schedule_activity(instance_id, task_id, activity, input_json)
        for timer_id, fire_at in episode.timers:
            fired = ev.timer_fired(timer_id, ev.timestamp(fire_at), fire_at)
            tx.send(instance_id, fired, visible_at=fire_at, timer_id=timer_id)
        for timer_id in episode.cancelled_timers:
            tx.cancel_timer(instance_id, timer_id)
        for request in episode.entity_requests:
            tx.queue_entity_op(
                request.entity_id,
                request.operation,
                request.input,
                instance_id if request.request_id else None,
                request.request_id,
            )
        for child in episode.sub_orchestrations:
            version = self.config.default_version if child.version is None else child.version
            tx.create_instance(child.instance_id, child.name, child.input, instance_id, child.task_id, version)
            tx.send(child.instance_id, ev.execution_started(child.name, child.input, now, version))
        if episode.status == "ContinueAsNew":
            tx.reset_for_continue_as_new(instance_id, episode.output, episode.custom_status)
            tx.send(instance_id, ev.execution_started(instance.name, episode.output, now, instance.version))
            return
        tx.record_outcome(instance_id, episode.status, episode.output, episode.custom_status)
        if episode.status in ("Running", "Suspended"):
            return
        tx.drop_instance_work(instance_id)
        log.info("orchestration %s (%s) %s", instance.name, instance_id, episode.status.lower())
        if instance.parent_id is not None and instance.parent_task_id is not None:
            task_id = instance.parent_task_id
            if episode.status == "Completed":
                done = ev.sub_orchestration_completed(task_id, episode.output, now)
            else:  # the parent sees the child's failure message and details, as with DTFx
                reason = json.loads(episode.output) if episode.output else "sub-orchestration failed"
                done = ev.sub_orchestration_failed(task_id, str(reason), episode.failure_details or "", now)
            tx.send(instance.parent_id, done)

    # -- activities ------------------------------------------------------------------------

    def _dispatch_activities(self) -> float | None:
        with self._lock:
            items = self.store.pending_activities(self._running_activities, 256)
            self._running_activities.update(item.id for item in items)
        for item in items:
            self._activity_pool.submit(self._run_activity, item)
        return None

    def _run_activity(self, item: ActivityItem) -> None:
        started = time.perf_counter()
        outcome = run_activity(item, self.index, self._stopping)
        failed = outcome["EventType"] == ev.EventType.TASK_FAILED
        log.info(
            "activity %s for %s %s (%.1f ms)%s",
            item.name,
            item.instance_id,
            "failed" if failed else "completed",
            (time.perf_counter() - started) * 1000,
            f": {failure_line(item.name, outcome)}" if failed else "",
        )

        def commit(tx: Tx) -> None:
            if tx.finish_activity(item.id):  # gone when the instance ended meanwhile
                tx.send(item.instance_id, outcome)

        self._complete(_Completion(commit, lambda: self._release(self._running_activities, item.id, self._activities)))

    # -- entities --------------------------------------------------------------------------

    def _dispatch_entities(self) -> float | None:
        with self._lock:
            ready = self.store.ready_entities(self._running_entities)
            self._running_entities.update(ready)
        for entity_id in ready:
            self._entity_pool.submit(self._run_entity_batch, entity_id)
        return None

    def _run_entity_batch(self, entity_id: str) -> None:
        try:
            completion = self._entity_batch(entity_id)
        except StoreError as exc:  # its operations could not be read: try again after a pause
            log.warning("entity %s: %s", entity_id, exc)
            self._stopping.wait(MAX_PAUSE)
            completion = None
        except Exception:  # a bug here must not leave the entity marked as running for good
            log.exception("entity %s: batch not run", entity_id)
            self._stopping.wait(MAX_PAUSE)
            completion = None
        if completion is None:
            self._release(self._running_entities, entity_id, self._entities)
        else:
            self._complete(completion)

    def _entity_batch(self, entity_id: str) -> _Completion | None:
        _, name, key = entity_id.split("@", 2)
        ops = self.store.entity_ops(entity_id, ENTITY_BATCH_SIZE)
        if not ops:
            return None
        row = self.store.entity(entity_id)
        started = time.time()
        state = row["state"] if row else None
        result = run_entity_batch(self.index.entities.get(name), entity_id, state, row is not None, ops)
        finished = time.time()
        log.info("entity %s ran %d operation(s) (%.1f ms)", entity_id, len(ops), (finished - started) * 1000)

        def commit(tx: Tx) -> None:
            tx.save_entity(entity_id, name, key, result["entityState"] if result.get("entityExists") else None)
            tx.finish_entity_ops([op.id for op in ops])
            for op, outcome in zip(ops, result["results"], strict=False):
                if op.caller_id and op.request_id:
                    response: dict[str, Any] = {"result": outcome.get("result")}
                    if outcome.get("isError"):
                        response["exceptionType"] = "Exception"
                    tx.send(op.caller_id, ev.event_raised(op.request_id, json.dumps(response), finished))
            for signal in result.get("signals") or []:
                target = signal.get("target", {})
                tx.queue_entity_op(
                    f"@{target.get('name', '').lower()}@{target.get('key')}", signal.get("name"), signal.get("input")
                )

        return _Completion(commit, lambda: self._release(self._running_entities, entity_id, self._entities))

    # -- committing finished work ----------------------------------------------------------

    def _complete(self, completion: _Completion) -> None:
        """Hand a finished activity or batch to the orchestration loop, which commits it (with retries)."""
        if self._stopping.is_set():
            return  # abandoned uncommitted: redone on the next start
        self._completions.append(completion)
        self._orchestrations.set()

    def _commit_completions(self) -> None:
        """Commit finished work in one transaction: fewer commits, and no lock convoy.

        When the store refuses the commit, the results are put back and committed on a later attempt:
        the app's functions are not called again for them.
        """
        done = []
        while self._completions:
            done.append(self._completions.popleft())
        if not done:
            return
        try:
            with self.store.transaction() as tx:
                for completion in done:
                    completion.commit(tx)
        except BaseException:
            self._completions.extendleft(reversed(done))
            raise
        for completion in done:
            completion.release()

    def _release(self, running: set[Any], key: Any, wake: _Wakeup) -> None:
        """The work item may be dispatched again (its result is committed, or it was never run)."""
        with self._lock:
            running.discard(key)
        wake.set()

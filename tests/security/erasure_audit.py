"""The erasure audit: after a subject's personal data was erased, look for every one of
their values everywhere the system keeps or sends anything: every document of every
collection of every database on the store (its replication log `local.oplog.rs`
included), every message of every Kafka topic from the beginning (key, value and
headers, as raw bytes), and the log files the test captured.

It is not a list of fields to check: it searches for the values. Each value is looked for
in its usual written forms (a personnummer with and without century and hyphen, a phone
number as digits, any case), in clear and as every deterministic hash the system
computes of it: plain digests, and HMACs under every key that survives an erasure (the
keys derived from the master key, the master key itself, the services' SECRET_KEY).
Hashes are matched by their first 16 hex or base64 digits, so a truncated one is found
too. Every string found is also read decoded (URL escapes, HTML and JSON escapes, and
base64 or hex runs such as a JWT's segments) before it is searched.

A hash keyed with the subject's own data key (`PersonalData.subject_hash`) is not
derived: after erasure that key is gone, and nobody can compute or test it any more.


Kept in one module: one audit, a checklist of every place the data could be."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_plus

import ahocorasick

HASH_DIGITS = 16  # 64 bits of a digest: a match is no accident
MIN_CLEAR = 6  # shorter values would be found by chance (a name like "Bo" is not searched)
DIGESTS = ("sha256", "sha1", "md5", "sha512", "sha3_256", "blake2b")  # and any the code names
ENCODED_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
HEX_RUN = re.compile(r"\b(?:[0-9a-fA-F]{2}){8,}\b")


@dataclass(frozen=True)
class Finding:
    where: str  # the database.collection and document, the topic and offset, or the log line
    what: str  # which value, in which form (e.g. "email", "hmac[vouchers.citizen_key](personnummer)")
    excerpt: str

    def __str__(self) -> str:
        return f"{self.what} in {self.where}: …{self.excerpt}…"


# -- the values and their forms --------------------------------------------------------


def written_forms(value: str) -> set[str]:
    """The forms a value is usually written or normalised in (all lower case: the search
    ignores case)."""
    text = value.strip()
    forms = {text.lower(), " ".join(text.split()).lower()}
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 8 and len(digits) >= len(re.sub(r"\s", "", text)) - 3:  # a number, not a text
        forms.add(digits)
        if len(digits) == 12 and digits[:2] in ("19", "20"):  # a personnummer
            short = digits[2:]
            forms |= {
                short,
                f"{digits[:8]}-{digits[8:]}",
                f"{short[:6]}-{short[6:]}",
                f"{short[:6]}+{short[6:]}",
            }
        if digits.startswith("0") and len(digits) in (9, 10):  # a Swedish phone number
            forms |= {"46" + digits[1:], "+46" + digits[1:]}
    return {f for f in forms if len(f) >= MIN_CLEAR}


def hash_forms(digest: bytes) -> set[str]:
    """A digest's prefixes as hex and as base64 (standard and URL-safe)."""
    b64 = base64.b64encode(digest).decode()
    return {
        digest.hex()[:HASH_DIGITS],
        b64[:HASH_DIGITS].lower(),
        b64.replace("+", "-").replace("/", "_")[:HASH_DIGITS].lower(),
    }


def digests_named_in(source_roots: Iterable[Path]) -> tuple[str, ...]:
    """The usual digests and every other `hashlib.<name>` the code uses."""
    named = set(DIGESTS)
    for path in _sources(source_roots):
        named |= set(re.findall(r"hashlib\.(\w+)\(", path.read_text(encoding="utf-8")))
    return tuple(sorted(n for n in named if n in hashlib.algorithms_available and n != "new"))


def _sources(source_roots: Iterable[Path]) -> Iterator[Path]:
    for root in source_roots:
        yield from (p for p in root.rglob("*.py") if "tests" not in p.parts and ".local" not in p.parts)


def needles(
    values: Mapping[str, str], keys: Mapping[str, bytes], digests: Iterable[str] = DIGESTS
) -> dict[str, str]:
    """Everything to look for: written form -> what it is. `values` names each value
    ("email": "anna@example.se"); `keys` names each HMAC key that survives an erasure;
    `digests` the hash functions, plain and as the HMACs' digest."""
    digests = tuple(digests)
    found: dict[str, str] = {}
    for label, value in values.items():
        for form in written_forms(value):
            found.setdefault(form, label)
            raw = form.encode()
            originals = {raw, value.encode(), value.strip().encode()}
            for data in originals:
                for name in digests:
                    for text in hash_forms(_digest(name, data)):
                        found.setdefault(text, f"{name}({label})")
                    for key_name, key in keys.items():
                        for text in hash_forms(hmac.new(key, data, name).digest()):
                            found.setdefault(text, f"hmac-{name}[{key_name}]({label})")
    return found


def _digest(name: str, data: bytes) -> bytes:
    hasher = hashlib.new(name, data)
    return hasher.digest(32) if name.startswith("shake") else hasher.digest()  # type: ignore[call-arg]


def keys_derived_from(master_key: bytes, source_roots: Iterable[Path]) -> dict[str, bytes]:
    """The master key and every key the code derives from it with a label
    (`hmac.new(master_key..., b"label", ...)`): found by reading the code, so a key added
    tomorrow is audited too."""
    label = re.compile(r"hmac\.new\(\s*[^,()]*master[^,()]*(?:\(\))?\s*,\s*b[\"']([^\"']+)[\"']")
    keys = {"master": master_key}
    for path in _sources(source_roots):
        for name in label.findall(path.read_text(encoding="utf-8")):
            keys[name] = hmac.new(master_key, name.encode(), hashlib.sha256).digest()
    return keys


# -- searching --------------------------------------------------------------------------


class Search:
    """Many needles at once (Aho-Corasick), through text, bytes and nested documents."""

    def __init__(self, wanted: Mapping[str, str]) -> None:
        self.wanted = dict(wanted)
        self._automaton = ahocorasick.Automaton()
        for text, label in self.wanted.items():
            self._automaton.add_word(text, (text, label))
        self._automaton.make_automaton()
        self.findings: list[Finding] = []

    def text(self, text: str, where: str, depth: int = 0) -> None:
        for variant in self._readings(text):
            lowered = variant.lower()
            for end, (needle, label) in self._automaton.iter(lowered):
                start = end - len(needle) + 1
                excerpt = variant[max(0, start - 40) : end + 40].replace("\n", " ")
                self.findings.append(Finding(where, label, excerpt))
        if depth < 2:
            for decoded in self._decoded_runs(text):
                self.bytes(decoded, f"{where} (decoded)", depth + 1)

    def bytes(self, raw: bytes, where: str, depth: int = 0) -> None:
        self.text(raw.decode("utf-8", errors="replace"), where, depth)

    def value(self, value: Any, where: str, path: str = "") -> None:
        """A document of any shape: every key and value, nested, strings and bytes."""
        if isinstance(value, Mapping):
            for key, item in value.items():
                self.text(str(key), f"{where} {path}.{key} (key)")
                self.value(item, where, f"{path}.{key}")
        elif isinstance(value, list | tuple | set):
            for index, item in enumerate(value):
                self.value(item, where, f"{path}[{index}]")
        elif isinstance(value, bytes | bytearray | memoryview):
            self.bytes(bytes(value), f"{where} {path}")
        elif value is not None:
            self.text(str(value), f"{where} {path}")

    @staticmethod
    def _readings(text: str) -> set[str]:
        """The text as written, and with its escapes undone."""
        readings = {text, unquote(text), unquote_plus(text), html.unescape(text)}
        if "\\u" in text or '\\"' in text:
            try:
                readings.add(json.loads(f'"{text}"'))
            except ValueError:
                readings.add(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text))
        return readings

    @staticmethod
    def _decoded_runs(text: str) -> Iterator[bytes]:
        """What base64 and hex runs in the text decode to (a JWT's segments, a cookie, a
        value hex-encoded)."""
        for run in ENCODED_RUN.findall(text):
            body = run.rstrip("=")
            padded = body + "=" * (-len(body) % 4)
            decoded = set()
            for decode in (base64.urlsafe_b64decode, base64.b64decode):
                try:
                    decoded.add(decode(padded))
                except (binascii.Error, ValueError):
                    continue
            yield from decoded
        for run in HEX_RUN.findall(text):
            yield bytes.fromhex(run)


# -- the places ---------------------------------------------------------------------------


def scan_store(search: Search, client: Any) -> int:
    """Every document of every collection of every database, the oplog included."""
    documents = 0
    for database in client.list_database_names():
        names = set(client[database].list_collection_names())
        if database == "local":
            names.add("oplog.rs")
        for name in sorted(names):
            for doc in client[database][name].find({}):
                documents += 1
                # an oplog entry names the collection it wrote to and when
                which = f"ns={doc['ns']} ts={doc.get('ts')}" if "ns" in doc else f"_id={doc.get('_id')!r}"
                search.value(doc, f"mongo {database}.{name} {which}")
    return documents


def scan_topics(search: Search, bootstrap_servers: str, timeout_s: float = 30.0) -> int:
    """Every message of every topic, every partition from the beginning, as raw bytes."""
    import time

    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None)
    try:
        partitions = [
            TopicPartition(topic, number)
            for topic in sorted(consumer.topics())
            for number in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return 0
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        messages, deadline = 0, time.monotonic() + timeout_s
        while any(consumer.position(p) < ends[p] for p in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError("the topics were not read to their end in time")
            for partition, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    messages += 1
                    where = f"kafka {partition.topic}[{partition.partition}]@{record.offset}"
                    search.bytes(record.key or b"", f"{where} key")
                    search.bytes(record.value or b"", f"{where} value")
                    for name, header in record.headers or ():
                        search.bytes(name.encode() + b"=" + (header or b""), f"{where} header")
        return messages
    finally:
        consumer.close()


def scan_logs(search: Search, paths: Iterable[Path]) -> int:
    lines = 0
    for path in paths:
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            lines += 1
            search.bytes(line, f"log {path.name}:{number}")
    return lines


# -- a whole stack ------------------------------------------------------------------------


def master_key_of(env: Mapping[str, str]) -> bytes:
    value = env.get("DATA_MASTER_KEY") or Path(env["DATA_MASTER_KEY_FILE"]).read_text(encoding="utf-8")
    value = value.strip()
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Audit:
    findings: list[Finding]
    documents: int  # how much was read: an audit that read nothing proves nothing
    messages: int
    log_lines: int

    def places(self) -> dict[str, int]:
        """'value in place' -> how many findings: the place a collection (the oplog by the
        collection it wrote to), a topic or a log file."""
        return {key: len(found) for key, found in self._by_place().items()}

    def _by_place(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {}
        for finding in self.findings:
            words = finding.where.split(" ")
            if words[1] == "local.oplog.rs":
                place = f"oplog of {words[2].removeprefix('ns=')}"
            elif words[0] == "kafka":
                place = f"topic {words[1].split('[')[0]}"
            elif words[0] == "log":
                place = f"log {words[1].split(':')[0]}"
            else:
                place = " ".join(words[:2])
            grouped.setdefault(f"{finding.what} in {place}", []).append(finding)
        return dict(sorted(grouped.items()))

    def report(self) -> str:
        return "\n".join(
            [
                f"{len(self.findings)} findings in {self.documents} documents, {self.messages} messages"
                f" and {self.log_lines} log lines:",
                *(f"  {place} ({count}x)" for place, count in self.places().items()),
                "the first of each:",
                *(f"  {found[0]}" for found in self._by_place().values()),
            ]
        )


def audit_stack(env: Mapping[str, str], values: Mapping[str, str], logs: Iterable[Path]) -> Audit:
    """Every finding of the subject's `values` on the stack's store, its topics and `logs`.
    `env` is the stack's environment: its servers and the keys its processes hold."""
    from pymongo import MongoClient

    from kernel.platform.settings import REPO_ROOT

    code = [REPO_ROOT / "services", REPO_ROOT / "libs"]
    keys = keys_derived_from(master_key_of(env), code)
    if env.get("SECRET_KEY"):
        keys["SECRET_KEY"] = env["SECRET_KEY"].encode()
    search = Search(needles(values, keys, digests_named_in(code)))
    with MongoClient(env["MONGODB_URI"]) as client:
        documents = scan_store(search, client)
    messages = scan_topics(search, env["KAFKA_BOOTSTRAP_SERVERS"])
    log_lines = scan_logs(search, logs)
    return Audit(search.findings, documents, messages, log_lines)

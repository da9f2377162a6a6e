#!/usr/bin/env python3
"""baton-bench smoke test: a short run of every mode completes and its JSON
has every field. No thresholds: speed is reported by the bench, not tested."""
import json
import subprocess
import sys
import tempfile

bench = sys.argv[1]
with tempfile.NamedTemporaryFile(suffix=".json") as out:
    run = subprocess.run([bench, "--turns", "300", "--runs", "1", "--idle-clients", "200", "--rings", "4",
                          "--syscalls", "300", "--journal-cases", "--journal-rings", "4", "--journal-turns", "40",
                          "--idle-rings", "50", "--idle-window", "0.2",
                          "--scrape", "--scrape-requests", "5", "--scrape-turns", "400", "--json", out.name],
                         capture_output=True, text=True, timeout=240)
    print(run.stdout)
    print(run.stderr[-2000:], file=sys.stderr)
    assert run.returncode == 0, f"baton-bench exited {run.returncode}"
    j = json.load(open(out.name))

for key in ("date", "machine", "turns_per_run", "runs", "members", "cases", "ratios", "idle", "rings", "syscalls",
            "journal", "idle_rings", "scrape"):
    assert key in j, f"missing {key}"
systems = {(c["system"], c["placement"]) for c in j["cases"]}
assert systems == {(s, p) for s in ("baton", "pingpong", "redis") for p in ("spread", "pinned")}, systems
for c in j["cases"]:
    for k in ("median", "min", "max"):
        assert c["turns_per_s"][k] > 0, c
    for k in ("p50", "p99", "p999"):
        assert k in c["handoff_us"], c
    assert "server_cpu_us_per_turn" in c and "server_peak_rss_kb" in c
for place in ("spread", "pinned"):
    for k in ("baton_vs_pingpong_turns", "baton_vs_redis_turns", "baton_vs_pingpong_p99"):
        assert j["ratios"][place][k] > 0
for k in ("clients", "server_rss_kb", "bytes_per_connection"):
    assert k in j["idle"]
for k in ("rings", "one_ring_turns_per_s", "aggregate_turns_per_s", "ratio"):
    assert k in j["rings"]
assert j["syscalls"]["per_turn"] > 0 and j["syscalls"]["breakdown"]
assert j["journal"]["dir_base"] and j["journal"]["fs_type"]
assert [c["rings"] for c in j["journal"]["cases"]] == [1, 4], j["journal"]
for c in j["journal"]["cases"]:
    for side in ("unjournaled", "journaled"):
        assert c[side]["turns_per_s"] > 0 and "server_cpu_us_per_turn" in c[side], c
    assert c["ratio"] > 0 and "journal_bytes_per_turn" in c["journaled"], c
assert [x["setting"] for x in j["idle_rings"]] == ["defaults", "--turn-timeout 50ms"], j["idle_rings"]
for x in j["idle_rings"]:
    assert x["rings_created"] == x["rings_wanted"] == 50, x
    for k in ("fresh_rss_kb", "rss_kb", "bytes_per_ring", "fresh_idle_cpu_percent", "idle_cpu_percent",
              "create_seconds"):
        assert k in x, (k, x)
    for k in ("fresh", "with_idle_rings", "ratio"):
        assert x["live_turns_per_s"][k] > 0, x
    for k in ("fresh", "with_idle_rings"):
        assert k in x["live_server_cpu_us_per_turn"], x
sc = j["scrape"]
assert sc["idle_clients"] == 200 and sc["open_connections"] >= 200, sc
assert sc["rings"] == sc["rings_waiting"] == 4, sc  # one member and watchers each: idle
assert [p["target"] for p in sc["paths"]] == ["/metrics", "/status", "/rings?limit=1000"], sc["paths"]
for p in sc["paths"]:
    assert p["requests"] == 5 and p["body_bytes"] > 0, p
    for k in ("p50", "p99", "max"):
        assert p["latency_ms"][k] > 0, p
    assert "server_cpu_ms_per_request" in p, p
assert [(p["placement"], p["hz"]) for p in sc["turn_rate"]["polls"]] == \
    [(place, hz) for place in ("spread", "pinned") for hz in (0, 1, 10)], sc["turn_rate"]
for p in sc["turn_rate"]["polls"]:
    assert p["turns_per_s"]["median"] > 0 and len(p["turns_per_s"]["runs"]) == 1, p
    assert p["ratio_to_unscraped"] > 0 and "server_cpu_us_per_turn" in p, p
    assert p["failures"] == 0, p
    # The scraper GETs /metrics and /status once as it starts, however short the run.
    assert (p["requests"] >= 2) == (p["hz"] > 0), p
print("PASS: baton-bench JSON has every field")

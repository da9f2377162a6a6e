#!/usr/bin/env python3
"""observability.prometheus: the admin port's /metrics as docs/ADMIN.md states
it, read by a real Prometheus, and the shipped monitoring files (deploy/)
checked against what the REAL baton-server exposes.

  1. baton-server (--min-members 2 --metrics-ring default), a watcher, and two
     baton-clients that take 200 turns each and leave.
  2. /metrics: `promtool check metrics` finds nothing to say; every metric of
     ADMIN.md's table is there with its type and labels (and nothing else);
     the numbers match what the clients did (400 sends, 2 byes, ...).
  3. A real Prometheus scrapes it every second, with the shipped alerting rules
     and the shipped scrape jobs (deploy/prometheus/prometheus.yml's, and
     prometheus-kubernetes.yml's pod-annotation job fed with pods from a
     file_sd file): the queried values, the targets, the rules' health, no
     alert firing, and every dashboard query answered.
  4. promtool check rules / test rules / check config on the shipped files.
  5. Every metric named in the dashboard's and the alerts' expressions is in
     docs/ADMIN.md and in the scraped /metrics.

Usage: test_prometheus.py --server-bin PATH --client-bin PATH --repo ROOT
Exit 0 pass, 1 fail, 77 skip (no prometheus/promtool and none installable).
Conventions and plumbing from tests/faults (ports from the kernel, children
die with the test, cleanups on every exit path, a hard watchdog).
Python 3 standard library only.
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faults"))
from fl_plumbing import SKIP, Skip, _child_setup, main, mkdtemp, on_cleanup  # noqa: E402
from fl_server import Server  # noqa: E402

TURNS = 200  # per client
WATCHDOG = 120.0    # the scenario, once the tools are there
INSTALL_BUDGET = 240  # seconds for apt-get, before the watchdog starts
LIMITS = {"--max-clients": 4000, "--max-tls-clients": 300, "--max-rings": 500}


# ------------------------------------------------------------------ tools

def find_tools():
    """(prometheus, promtool): installs the Debian package when missing; Skip if that fails."""
    def which():
        return shutil.which("prometheus"), shutil.which("promtool")
    prom, tool = which()
    if prom and tool:
        return prom, tool
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Skip("prometheus/promtool not installed (apt-get install prometheus), and not root to install them")
    print("prometheus/promtool missing: apt-get install -y prometheus", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"]
    deadline = time.monotonic() + INSTALL_BUDGET
    for attempt in (cmd, ["apt-get", "update", "-qq"], cmd):  # the lists may be stale: update, once
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            r = subprocess.run(attempt, env=env, capture_output=True, text=True, timeout=left)
        except subprocess.TimeoutExpired:
            break
        prom, tool = which()
        if prom and tool:
            return prom, tool
        if r.returncode != 0:
            print(f"{' '.join(attempt)}: exit {r.returncode}: {r.stderr.strip()[-300:]}", flush=True)
    raise Skip(f"prometheus/promtool could not be installed with apt-get within {INSTALL_BUDGET} s")


def run(cmd, stdin=None, timeout=30):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    return r.returncode, (r.stdout + r.stderr).strip()


def spawn(cmd, log_path):
    out = open(log_path, "wb")
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         preexec_fn=_child_setup())
    out.close()

    def kill():
        if p.poll() is None:
            p.kill()
            p.wait()
    on_cleanup(kill)
    return p


def http(url, method="GET", timeout=5.0):
    """(status, headers, body text); status 0 when nothing answered."""
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        return 0, {}, str(e)


# ------------------------------------------------------------ the docs

def admin_table(repo):
    """docs/ADMIN.md's /metrics table: {name: {type, labels: {label: [values] or None}, what, optin}}."""
    rows = {}
    with open(os.path.join(repo, "docs", "ADMIN.md"), encoding="utf-8") as f:
        for line in f:
            if not (line.startswith("| `baton_") or line.startswith("| `process_")):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            name = cells[0].strip("`")
            typ = cells[1].split()[0]
            labels = {}
            # `wire` (`v1`, `legacy`, `tls`), `role` (...): label names outside
            # parentheses, their values (when listed) inside.
            # A list with ";" explains its values: "`code` (the ERROR codes of
            # docs/PROTOCOL.md; `TURN_TIMEOUT`: a legacy holder ...; `OTHER`)"
            # lists the first value of each part.
            for m in re.finditer(r"`([a-z_]+)`(?:\s*\(([^)]*)\))?", cells[2]):
                inside = m.group(2) or ""
                parts = inside.split(";") if ";" in inside else [inside]
                vals = [v for part in parts for v in re.findall(r"`([^`]+)`", part)[:1 if ";" in inside else None]]
                labels[m.group(1)] = vals or None
            rows[name] = {"type": typ, "labels": labels, "what": cells[3], "optin": "opt-in" in cells[3]}
    return rows


def protocol_error_codes(repo):
    """The ERROR codes of docs/PROTOCOL.md's "Error codes" table."""
    codes, inside = [], False
    with open(os.path.join(repo, "docs", "PROTOCOL.md"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                inside = "Error codes" in line
                continue
            m = re.match(r"^\| `([A-Z_]+)` \|", line)
            if inside and m:
                codes.append(m.group(1))
    return codes


def bucket_bounds(what):
    """'buckets 5 µs … 1 s' -> (5e-06, 1.0), or None."""
    m = re.search(r"buckets ([\d.]+) (µs|ms|s) … ([\d.]+) (µs|ms|s)", what)
    if not m:
        return None
    unit = {"µs": 1e-6, "ms": 1e-3, "s": 1.0}
    return float(m.group(1)) * unit[m.group(2)], float(m.group(3)) * unit[m.group(4)]


# ------------------------------------------------------------ exposition

SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?$")
LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_labels(text):
    out, pos = {}, 0
    text = text[1:-1]
    while pos < len(text):
        m = LABEL_RE.match(text, pos)
        if not m:
            raise ValueError(f"bad labels {{{text}}} at {pos}")
        out[m.group(1)] = m.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        pos = m.end()
    return out


def parse_exposition(text):
    """{family: {type, help, samples: [(sample name, labels, value)]}}; problems as a list."""
    fams, problems, current = {}, [], None
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                fam = fams.setdefault(parts[2], {"type": "untyped", "help": None, "samples": []})
                if parts[1] == "TYPE":
                    fam["type"] = parts[3].strip() if len(parts) > 3 else ""
                else:
                    fam["help"] = parts[3] if len(parts) > 3 else ""
                current = parts[2]
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            problems.append(f"line {n} unparsable: {line!r}")
            continue
        name = m.group(1)
        try:
            labels = parse_labels(m.group(2)) if m.group(2) else {}
            value = float(m.group(3))
        except ValueError as e:
            problems.append(f"line {n}: {e}: {line!r}")
            continue
        fam = None
        for cand in (name, re.sub(r"_(bucket|sum|count)$", "", name)):
            if cand in fams and (cand == name or fams[cand]["type"] in ("histogram", "summary")):
                fam = cand
                break
        if fam is None:
            problems.append(f"line {n}: sample {name} outside its family (# TYPE missing or misplaced)")
            fam = name
            fams.setdefault(fam, {"type": "untyped", "help": None, "samples": []})
        elif fam != current:
            problems.append(f"line {n}: sample {name} not grouped under its # TYPE line")
        fams[fam]["samples"].append((name, labels, value))
    return fams, problems


def value(fams, fam, sample=None, **labels):
    """The sum of the family's samples named `sample` (default: the family) whose labels include `labels`."""
    sample = sample or fam
    got = [v for n, l, v in fams.get(fam, {}).get("samples", [])
           if n == sample and all(l.get(k) == x for k, x in labels.items())]
    return sum(got) if got else None


# --------------------------------------------------------- shipped files

def rule_exprs(path):
    """The `expr:` of every rule in a rules file (plain and `|`/`>` block scalars), without a YAML library."""
    exprs, lines = [], open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:-\s+)?expr:\s*(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, rest = len(m.group(1)), m.group(2).strip()
        if rest in ("|", ">", "|-", ">-", "|+", ">+"):
            body, i = [], i + 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                body.append(lines[i].strip())
                i += 1
            exprs.append(" ".join(b for b in body if b))
        else:
            exprs.append(rest.strip("'\""))
            i += 1
    return exprs


def dashboard_exprs(path):
    """Every PromQL expression of a Grafana dashboard: panel targets (rows included) and variable queries."""
    d = json.load(open(path, encoding="utf-8"))
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((p.get("title", "?"), t["expr"]))
            walk(p.get("panels", []))
    walk(d.get("panels", []))
    for v in d.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            if q:
                out.append((f"variable {v['name']}", q))
    return d, out


def metric_names(expr):
    """Identifiers ^(baton|process)_[a-z_]+ of an expression, outside string literals."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    return {t for t in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", expr) if re.match(r"^(baton|process)_[a-z_]+$", t)}


def grafana_to_promql(expr):
    """A dashboard query as Prometheus can run it: Grafana's variables replaced."""
    expr = expr.replace("$__rate_interval", "10s").replace("$__interval", "5s").replace("$__range", "30s")
    expr = re.sub(r"label_values\(([^,()]+(?:\{[^}]*\})?),\s*\w+\)", r"\1", expr)  # variable queries
    return re.sub(r"\$\{?(job|instance)\}?", ".*", expr)


def scrape_items(path):
    """The text of the items of a config file's scrape_configs (from the first `- job_name:` on)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("scrape_configs:"))
    items = []
    for l in lines[start + 1:]:
        if l and not l[0].isspace() and not l.startswith("#"):
            break  # the next top-level key
        items.append(l)
    return "\n".join(items)


def file_sd_instead(text, sd_file):
    """Replaces every kubernetes_sd_configs block with a file_sd_configs one on sd_file."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        m = re.match(r"^(\s*)kubernetes_sd_configs:\s*$", lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        ind = m.group(1)
        out += [f"{ind}file_sd_configs:", f"{ind}  - files: [{json.dumps(sd_file)}]", f"{ind}    refresh_interval: 1s"]
        i += 1
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(ind)):
            i += 1
    return "\n".join(out)


def pods(admin, client):
    """file_sd groups standing for the pods Kubernetes discovery would find: (groups, expected scrape URLs)."""
    def pod(name, addrs, ip, app="server", phase="Running", scrape="true", port=None):
        labels = {"__meta_kubernetes_namespace": "baton-test", "__meta_kubernetes_pod_name": name,
                  "__meta_kubernetes_pod_ip": ip, "__meta_kubernetes_pod_phase": phase,
                  "__meta_kubernetes_pod_label_app": app}
        if scrape is not None:
            labels["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = scrape
            labels["__meta_kubernetes_pod_annotation_prometheus_io_path"] = "/metrics"
        if port is not None:
            labels["__meta_kubernetes_pod_annotation_prometheus_io_port"] = str(port)
        # Discovery makes one target per declared container port.
        return [{"targets": [a], "labels": dict(labels, __meta_kubernetes_pod_container_port_name=n)} for n, a in addrs]
    groups = []
    # This test's server, as a pod declaring the client port and the admin port.
    groups += pod("server-deployment-0", [("baton", f"127.0.0.1:{client}"), ("admin", f"127.0.0.1:{admin}")],
                  "127.0.0.1", port=admin)
    # An IPv6 pod: only its address is checked (nothing listens there).
    groups += pod("server-deployment-v6", [("baton", "[fd00:10:244::5]:5001")], "fd00:10:244::5", port=9090)
    # Dropped: another app, no annotation, not running yet.
    groups += pod("web-0", [("http", "10.0.0.7:8080")], "10.0.0.7", app="web", port=8080)
    groups += pod("server-unannotated", [("admin", "10.0.0.8:9090")], "10.0.0.8", scrape=None)
    groups += pod("server-pending", [("admin", "10.0.0.9:9090")], "10.0.0.9", phase="Pending", port=9090)
    want = {f"http://127.0.0.1:{admin}/metrics": "server-deployment-0",
            "http://[fd00:10:244::5]:9090/metrics": "server-deployment-v6"}
    return groups, want


# --------------------------------------------------------------- scenario

def extra_args(ap):
    ap.add_argument("--repo", required=True, help="the source tree (docs/, deploy/)")


def scenario(args, c):
    repo = os.path.abspath(args.repo)
    prom_dir = os.path.join(repo, "deploy", "prometheus")
    alerts = os.path.join(prom_dir, "baton-alerts.yml")
    alerts_test = os.path.join(prom_dir, "baton-alerts.test.yml")
    static_cfg = os.path.join(prom_dir, "prometheus.yml")
    k8s_cfg = os.path.join(prom_dir, "prometheus-kubernetes.yml")
    dashboard = os.path.join(repo, "deploy", "grafana", "baton-dashboard.json")
    prometheus, promtool = TOOLS
    c.info(f"{run([prometheus, '--version'])[1].splitlines()[0]}")
    tmp = mkdtemp("baton-observability-")
    table = admin_table(repo)
    c.expect(len(table) >= 30, f"docs/ADMIN.md's metrics table has {len(table)} rows (parsed)")
    codes = protocol_error_codes(repo)
    c.expect(len(codes) >= 10, f"docs/PROTOCOL.md's error codes: {codes}")

    # ------------------------------------------------ 1. server and clients
    flags = ["--min-members", "2", "--metrics-ring", "default"]
    for k, v in LIMITS.items():
        flags += [k, str(v)]
    t_spawn = time.time()
    srv = Server(args.server_bin, *flags, default_quotas=True)
    c.info(f"baton-server pid {srv.pid}: clients on {srv.port}, admin on {srv.admin_port}")
    if not c.expect(srv.admin_port, "the server logged `admin HTTP on HOST:PORT`"):
        return
    base = f"http://127.0.0.1:{srv.admin_port}"
    status, _, body = http(base + "/metrics")
    if not c.expect(status == 200, f"GET /metrics answers 200 (got {status}: {body[:80]!r})"):
        return
    client = [args.client_bin, "--host", "127.0.0.1", "--port", str(srv.port)]
    watcher = spawn(client + ["--name", "w", "--watch"], os.path.join(tmp, "watcher.log"))
    c.expect(srv.wait_log(rb"(?m)^w joined ring default as watcher", 5.0), "the watcher joined ring default")
    members = {n: spawn(client + ["--name", n, "--interval", "0", "--count", str(TURNS), "--quiet"],
                        os.path.join(tmp, f"client-{n}.log")) for n in ("a", "b")}
    for n, p in members.items():
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = "still running after 30 s"
        c.expect(rc == 0, f"baton-client {n} --count {TURNS} exits 0 (got {rc})")
    c.expect(watcher.poll() is None, "the watcher is still connected")

    # The server counts the byes as it reads them: wait for both.
    deadline, text, fams = time.monotonic() + 5, "", {}
    while time.monotonic() < deadline:
        status, headers, text = http(base + "/metrics")
        fams, _ = parse_exposition(text)
        if value(fams, "baton_connections_closed_total", reason="bye") == 2:
            break
        time.sleep(0.1)
    with open(os.path.join(tmp, "metrics.txt"), "w") as f:
        f.write(text)

    # ------------------------------------------------------- 2. /metrics
    c.info("-- /metrics")
    ctype = headers.get("Content-Type") if headers else None
    c.expect(ctype == "text/plain; version=0.0.4; charset=utf-8", f"Content-Type is ADMIN.md's (got {ctype!r})")
    hstatus, _, hbody = http(base + "/metrics", method="HEAD")
    c.expect(hstatus == 200 and hbody == "", f"HEAD /metrics: 200 with no body (got {hstatus}, {len(hbody)} bytes)")
    fams, problems = parse_exposition(text)
    c.expect(not problems, f"the exposition parses as text format 0.0.4: {problems[:5]}")
    rc, out = run([promtool, "check", "metrics"], stdin=text)
    c.info(f"promtool check metrics: exit {rc}" + (f"\n    {out.replace(chr(10), chr(10) + '    ')}" if out else ", nothing to say"))
    c.expect(rc == 0 and not out, "promtool check metrics finds no problem")

    # Every metric of the table, with its type and labels; nothing else.
    for name, row in table.items():
        fam = fams.get(name)
        if not c.expect(fam is not None and fam["samples"], f"{name} ({row['type']}) is in /metrics"):
            continue
        c.expect(fam["type"] == row["type"], f"{name}: # TYPE {fam['type']}, ADMIN.md says {row['type']}")
        c.expect(fam["help"], f"{name} has a # HELP text")
        want = set(row["labels"])
        for sname, labels, v in fam["samples"]:
            have = set(labels) - ({"le"} if sname.endswith("_bucket") else set())
            if not c.expect(have == want, f"{name}: sample {sname}{labels} has labels {sorted(have)}, ADMIN.md says {sorted(want)}"):
                break
        for label, listed in row["labels"].items():
            seen = {l.get(label) for _, l, _ in fam["samples"]}
            allowed = set(listed or [])
            if label == "code":
                allowed = set(codes) | set(listed or [])
            if allowed:
                c.expect(seen <= allowed, f"{name}{{{label}}}: values {sorted(seen - allowed)} are not in ADMIN.md's list")
                if seen < allowed:
                    c.info(f"note: {name}{{{label}}} shows {len(seen)} of its {len(allowed)} values "
                           f"(not yet: {sorted(allowed - seen)}); rate()/increase() miss a series' first increment")
        if row["type"] == "histogram":
            les = sorted(float(l["le"]) for n, l, _ in fam["samples"] if n == name + "_bucket")
            finite = [b for b in les if not math.isinf(b)]
            c.expect(les and math.isinf(les[-1]), f"{name} has a +Inf bucket")
            c.expect(value(fams, name, name + "_count") == value(fams, name, name + "_bucket", le="+Inf"),
                     f"{name}_count equals its +Inf bucket")
            bounds = bucket_bounds(row["what"])
            if bounds and finite:
                close = lambda a, b: abs(a - b) <= 1e-9 * max(abs(a), abs(b))
                c.expect(close(finite[0], bounds[0]) and close(finite[-1], bounds[1]),
                         f"{name} buckets {finite[0]:g} … {finite[-1]:g} s, ADMIN.md says {bounds[0]:g} … {bounds[1]:g} s")
    c.info(f"{len(table)} metrics of docs/ADMIN.md's table checked in /metrics: type, HELP, labels, label values, buckets")
    extra = sorted(set(fams) - set(table))
    c.expect(not extra, f"every metric in /metrics is in docs/ADMIN.md's table (not: {extra})")

    # The numbers: what two clients taking 200 turns each and a watcher did.
    v = lambda fam, sample=None, **l: value(fams, fam, sample, **l)
    sends, grants = v("baton_sends_total"), v("baton_grants_total")
    n = 2 * TURNS
    c.info(f"sends {sends}, grants {grants}, handoffs {v('baton_handoff_seconds', 'baton_handoff_seconds_count')}, "
           f"holds {v('baton_hold_seconds', 'baton_hold_seconds_count')}, byes {v('baton_connections_closed_total', reason='bye')}")
    c.expect(sends == n, f"baton_sends_total == {n} (got {sends})")
    # Every grant ended in a send, a revoke or its holder leaving: nobody holds
    # now. A client leaves after its last send, and may be granted once more
    # before its BYE is read (holder_left): at most once each.
    ended = v("baton_turns_ended_total")
    c.expect(grants is not None and ended is not None and grants == sends + ended,
             f"baton_grants_total == sends + turns ended without a send (got {grants} == {sends} + {ended})")
    c.expect(v("baton_turns_ended_total", cause="revoked") == 0 and (v("baton_turns_ended_total", cause="holder_left") or 0) <= 2,
             f"no turn revoked, at most 2 holders left during a turn (got {[(l, x) for _, l, x in fams.get('baton_turns_ended_total', {}).get('samples', [])]})")
    c.expect(v("baton_connections_closed_total", reason="bye") == 2, "baton_connections_closed_total{reason=\"bye\"} == 2 "
             f"(got {v('baton_connections_closed_total', reason='bye')})")
    c.expect(v("baton_connections_closed_total") == 2, f"no connection closed for another reason "
             f"({[(l, x) for _, l, x in fams.get('baton_connections_closed_total', {}).get('samples', []) if x]})")
    handoffs = v("baton_handoff_seconds", "baton_handoff_seconds_count")
    c.expect(handoffs is not None and n - 1 <= handoffs <= n, f"baton_handoff_seconds_count is {n - 1} or {n} (got {handoffs})")
    c.expect(v("baton_hold_seconds", "baton_hold_seconds_count") == sends,
             f"baton_hold_seconds_count == sends (got {v('baton_hold_seconds', 'baton_hold_seconds_count')})")
    for h in ("baton_handoff_seconds", "baton_hold_seconds"):
        s, cnt = v(h, h + "_sum"), v(h, h + "_count")
        c.expect(s is not None and cnt and 0 < s / cnt < 1.0, f"{h}: mean {s}/{cnt} s is positive and under 1 s")
    info = [l for _, l, _ in fams.get("baton_build_info", {}).get("samples", [])]
    version = re.search(r"project\(baton VERSION (\S+)", open(os.path.join(repo, "CMakeLists.txt")).read())
    c.expect(len(info) == 1 and v("baton_build_info") == 1, f"one baton_build_info sample, value 1 ({info})")
    if info:
        c.expect(version and info[0].get("version") == version.group(1),
                 f"baton_build_info{{version}} is the project's {version and version.group(1)} (got {info[0].get('version')})")
        c.expect(info[0].get("io_backend"), "baton_build_info{io_backend} is set")
    c.expect(v("baton_ready") == 1, f"baton_ready == 1 (got {v('baton_ready')})")
    c.expect((v("baton_threads") or 0) >= 1, f"baton_threads >= 1 (got {v('baton_threads')})")
    c.expect(v("baton_connections", wire="v1", role="watcher") == 1 and v("baton_connections") == 1,
             f"baton_connections: the watcher alone, v1 (got {[(l, x) for _, l, x in fams.get('baton_connections', {}).get('samples', []) if x]})")
    c.expect(v("baton_handshakes") == 0, f"baton_handshakes == 0 (got {v('baton_handshakes')})")
    for fam, flag in (("baton_connections_limit", "--max-clients"), ("baton_tls_connections_limit", "--max-tls-clients"),
                      ("baton_rings_limit", "--max-rings")):
        c.expect(v(fam) == LIMITS[flag], f"{fam} == {flag} {LIMITS[flag]} (got {v(fam)})")
    c.expect(v("baton_connections_accepted_total") == 3, f"baton_connections_accepted_total == 3 (got {v('baton_connections_accepted_total')})")
    c.expect(v("baton_errors_sent_total") == 0, f"no ERROR sent ({[(l, x) for _, l, x in fams.get('baton_errors_sent_total', {}).get('samples', []) if x]})")
    c.expect(v("baton_rings") == 1 and v("baton_rings_waiting") == 0,
             f"baton_rings == 1, baton_rings_waiting == 0 (got {v('baton_rings')}, {v('baton_rings_waiting')})")
    c.expect(v("baton_journal_sync_seconds", "baton_journal_sync_seconds_count") == 0 and v("baton_journal_errors_total") == 0,
             "no journal: no sync, no journal error")
    rx, tx = v("baton_received_bytes_total"), v("baton_sent_bytes_total")
    c.expect(rx and tx and rx >= n * 6 and tx >= n * 6, f"bytes in {rx} and out {tx}: at least a few per turn")
    c.expect(v("baton_log_lines_dropped_total") == 0, f"no log line dropped (got {v('baton_log_lines_dropped_total')})")
    c.expect(v("baton_admin_streams") == 0 and v("baton_admin_streams_dropped_total") == 0, "no /events stream")
    # --metrics-ring default: the ring the watcher still keeps alive.
    turns = [int(t) for t in re.findall(rb"\(turn (\d+)\)", open(os.path.join(tmp, "watcher.log"), "rb").read())]
    c.expect(len(turns) == n, f"the watcher saw {len(turns)} turns")
    ring_turn = v("baton_ring_turn", ring="default")
    c.expect(ring_turn is not None and turns and ring_turn >= max(turns),
             f"baton_ring_turn{{ring=\"default\"}} {ring_turn} is at least the last turn seen, {turns and max(turns)}")
    c.expect(v("baton_ring_members", ring="default") == 0 and v("baton_ring_watchers", ring="default") == 1,
             f"ring default: 0 members, 1 watcher (got {v('baton_ring_members', ring='default')}, {v('baton_ring_watchers', ring='default')})")
    c.expect(v("baton_ring_grants_total", ring="default") == grants,
             f"baton_ring_grants_total{{ring=\"default\"}} == baton_grants_total (got {v('baton_ring_grants_total', ring='default')})")
    # process_*: against /proc of the server.
    limits = open(f"/proc/{srv.pid}/limits").read()
    soft = int(re.search(r"Max open files\s+(\d+)", limits).group(1))
    c.expect(v("process_max_fds") == soft, f"process_max_fds == the soft RLIMIT_NOFILE {soft} (got {v('process_max_fds')})")
    fds = srv.fd_count()
    c.expect(v("process_open_fds") and abs(v("process_open_fds") - fds) <= 3, f"process_open_fds {v('process_open_fds')} ~ {fds} in /proc")
    rss = srv.rss_kb() * 1024
    c.expect(v("process_resident_memory_bytes") and 0.5 <= v("process_resident_memory_bytes") / rss <= 2,
             f"process_resident_memory_bytes {v('process_resident_memory_bytes')} ~ VmRSS {rss}")
    c.expect((v("process_virtual_memory_bytes") or 0) >= (v("process_resident_memory_bytes") or 0) > 0, "VSZ >= RSS > 0")
    c.expect(v("process_start_time_seconds") and t_spawn - 2 <= v("process_start_time_seconds") <= time.time(),
             f"process_start_time_seconds {v('process_start_time_seconds')} is when the test started it ({t_spawn:.1f})")
    cpu = v("process_cpu_seconds_total")
    c.expect(cpu is not None and 0 <= cpu <= srv.cpu_seconds() + 0.1, f"process_cpu_seconds_total {cpu} ~ {srv.cpu_seconds()} in /proc")
    threads = len(os.listdir(f"/proc/{srv.pid}/task"))
    c.expect(v("process_threads") and v("process_threads") >= (v("baton_threads") or 1) and abs(v("process_threads") - threads) <= 2,
             f"process_threads {v('process_threads')} ~ {threads} in /proc, at least baton_threads")

    # --------------------------------------------------- 3. Prometheus
    c.info("-- Prometheus")
    groups, want_urls = pods(srv.admin_port, srv.port)
    sd_file = os.path.join(tmp, "pods.json")
    with open(sd_file, "w") as f:
        json.dump(groups, f, indent=1)
    admin_addr = f"127.0.0.1:{srv.admin_port}"
    static_items = scrape_items(static_cfg)
    c.expect('"localhost:9090"' in static_items, "prometheus.yml's baton job targets localhost:9090")
    cfg = "\n".join([
        "# Generated by test_prometheus.py: the shipped scrape jobs and rules, every second.",
        "global:", "  scrape_interval: 1s", "  scrape_timeout: 1s", "  evaluation_interval: 1s",
        "rule_files:", f"  - {json.dumps(alerts)}",
        "scrape_configs:",
        static_items.replace('"localhost:9090"', json.dumps(admin_addr)),
        file_sd_instead(scrape_items(k8s_cfg), sd_file), ""])
    cfg_path = os.path.join(tmp, "prometheus.yml")
    with open(cfg_path, "w") as f:
        f.write(cfg)
    rc, out = run([promtool, "check", "config", cfg_path])
    c.expect(rc == 0, f"promtool check config of the generated config (shipped jobs, file_sd for the pods): {out}")
    plog = os.path.join(tmp, "prometheus.log")
    prom = spawn([prometheus, f"--config.file={cfg_path}", f"--storage.tsdb.path={os.path.join(tmp, 'tsdb')}",
                  "--web.listen-address=127.0.0.1:0", "--log.level=info"], plog)
    paddr, deadline = None, time.monotonic() + 20
    while time.monotonic() < deadline and paddr is None:
        m = re.search(r'msg="Listening on" address=(\S+)', open(plog, errors="replace").read())
        if m:
            paddr = m.group(1)
        elif prom.poll() is not None:
            break
        time.sleep(0.1)
    if not c.expect(paddr, f"prometheus listens (its log: {open(plog, errors='replace').read()[-600:]})"):
        return
    api = f"http://{paddr}/api/v1"
    c.info(f"prometheus pid {prom.pid} on {paddr}")

    def query(q):
        s, _, b = http(f"{api}/query?" + urllib.parse.urlencode({"query": q}))
        try:
            return json.loads(b)
        except ValueError:
            return {"status": f"HTTP {s}", "error": b[:200]}

    def scalar(q):
        r = query(q).get("data", {}).get("result", [])
        return float(r[0]["value"][1]) if len(r) == 1 else None

    # Until both jobs have 400 sends and a few samples, and every rule was evaluated.
    ok, deadline, rules = False, time.monotonic() + 30, []
    rule_groups = re.findall(r"(?m)^\s*-\s*name:\s*(\S+)", open(alerts).read())
    while time.monotonic() < deadline:
        a = scalar('baton_sends_total{job="baton"}')
        b = scalar('baton_sends_total{job="baton-kubernetes-pods"}')
        enough = scalar('count_over_time(baton_sends_total{job="baton"}[1m])')
        rules = json.loads(http(f"{api}/rules")[2] or "{}").get("data", {}).get("groups", [])
        evaluated = rules and all(not r.get("lastEvaluation", "0001").startswith("0001") for g in rules for r in g["rules"])
        if a == n and b == n and (enough or 0) >= 4 and evaluated:
            ok = True
            break
        time.sleep(0.5)
    a = scalar('baton_sends_total{job="baton"}')
    b = scalar('baton_sends_total{job="baton-kubernetes-pods"}')
    c.expect(ok, f"within 30 s Prometheus has baton_sends_total == {n} from both jobs (got {a} and {b}), "
             "a few samples, and every rule evaluated")
    c.expect(scalar('baton_grants_total{job="baton"}') == grants, "baton_grants_total as scraped")
    c.expect(scalar('baton_connections_closed_total{job="baton",reason="bye"}') == 2, "bye == 2 as scraped")
    c.expect(sorted(g["name"] for g in rules) == sorted(rule_groups),
             f"/api/v1/rules has the shipped groups {sorted(rule_groups)} (got {sorted(g['name'] for g in rules)})")
    shipped_alerts = re.findall(r"(?m)^\s*-\s*alert:\s*(\S+)", open(alerts).read())
    loaded = [r["name"] for g in rules for r in g["rules"]]
    c.expect(sorted(loaded) == sorted(shipped_alerts), f"every shipped alert is loaded ({len(loaded)} of {len(shipped_alerts)})")
    for g in rules:
        for r in g["rules"]:
            c.expect(r.get("health") == "ok", f"rule {r['name']}: health {r.get('health')} {r.get('lastError', '')}")
            firing = [x.get("labels") for x in r.get("alerts", []) if x.get("state") == "firing"
                      and x.get("labels", {}).get("instance") != "[fd00:10:244::5]:9090"]
            c.expect(not firing, f"alert {r['name']} is not firing on a healthy server ({firing})")
    # The IPv6 pod is a down target: BatonDown sees it (pending, for 1m), and only it.
    down = [x["labels"].get("instance") for g in rules for r in g["rules"] if r["name"] == "BatonDown" for x in r.get("alerts", [])]
    c.expect(down == ["[fd00:10:244::5]:9090"], f"BatonDown is pending for the unreachable pod alone (got {down})")
    c.info(f"rules: groups {sorted(g['name'] for g in rules)}, {len(loaded)} alerts: "
           f"{sorted((r['name'], r.get('health'), r.get('state')) for g in rules for r in g['rules'])}")
    targets = json.loads(http(f"{api}/targets")[2] or "{}").get("data", {})
    active = targets.get("activeTargets", [])
    mine = [t for t in active if t["labels"].get("job") == "baton"]
    c.expect(len(mine) == 1 and mine[0]["health"] == "up" and mine[0]["scrapeUrl"] == f"http://{admin_addr}/metrics",
             f"job baton: one target, {admin_addr}, up ({[(t['scrapeUrl'], t['health'], t.get('lastError')) for t in mine]})")
    k8s = {t["scrapeUrl"]: t for t in active if t["labels"].get("job") == "baton-kubernetes-pods"}
    c.expect(set(k8s) == set(want_urls), f"pod-annotation job: targets {sorted(k8s)}, want {sorted(want_urls)} "
             "(one per pod, on prometheus.io/port and /path; other apps, unannotated and pending pods dropped)")
    for url, podname in want_urls.items():
        t = k8s.get(url)
        if t:
            c.expect(t["labels"].get("pod") == podname and t["labels"].get("namespace") == "baton-test",
                     f"{url}: labels pod={podname}, namespace=baton-test (got {t['labels']})")
    t = k8s.get(f"http://{admin_addr}/metrics")
    c.expect(t and t["health"] == "up", f"the annotated pod's target is up ({t and (t['health'], t.get('lastError'))})")
    c.info(f"targets: {sorted((t['labels'].get('job'), t['scrapeUrl'], t['health']) for t in active)}")
    dropped = [d for d in targets.get("droppedTargets", [])
               if d.get("discoveredLabels", {}).get("job") == "baton-kubernetes-pods"]
    c.expect(len(dropped) == 3, f"pod-annotation job: 3 pods dropped (got {len(dropped)})")

    # Every dashboard query runs, and finds series.
    dash, dexprs = dashboard_exprs(dashboard)
    for title, expr in dexprs:
        r = query(grafana_to_promql(expr))
        res = r.get("data", {}).get("result", [])
        c.expect(r.get("status") == "success" and res,
                 f"dashboard {title!r}: {grafana_to_promql(expr)} -> {r.get('status')} {r.get('error', '')} {len(res)} series")
    c.info(f"{len(dexprs)} dashboard queries answered")

    # --------------------------------------------------- 4. promtool
    c.info("-- promtool")
    for what, cmd in (("check rules", [promtool, "check", "rules", alerts]),
                      ("test rules", [promtool, "test", "rules", alerts_test]),
                      ("check config prometheus.yml", [promtool, "check", "config", static_cfg])):
        rc, out = run(cmd, timeout=60)
        c.info(f"promtool {what}: exit {rc}")
        c.expect(rc == 0, f"promtool {what}: {out}")
    rc, out = run([promtool, "check", "config", k8s_cfg])
    if rc != 0 and "kubernetes_sd_configs not found" in out:
        c.info("NOTE: this promtool is built without Kubernetes discovery (Debian's): prometheus-kubernetes.yml "
               "was checked with file_sd in its place (above)")
    else:
        c.expect(rc == 0, f"promtool check config prometheus-kubernetes.yml: {out}")
    # The manifest's annotations are what the pod job reads, on the admin port.
    manifest = open(os.path.join(repo, "k8s", "base", "server-deployment.yaml")).read()
    ann = dict(re.findall(r'(?m)^\s+prometheus\.io/(scrape|port|path):\s*"?([^"\s]+)"?', manifest))
    admin_env = re.search(r'name: BATON_ADMIN_PORT\s+value: "(\d+)"', manifest)
    c.expect(ann == {"scrape": "true", "port": admin_env and admin_env.group(1), "path": "/metrics"},
             f"k8s/base/server-deployment.yaml's pod annotations {ann} name the admin port {admin_env and admin_env.group(1)}")

    # ------------------------------------- 5. metric names in the shipped files
    scraped = set(fams)
    histograms = {f for f, x in fams.items() if x["type"] == "histogram"}
    used = {}
    for title, expr in dexprs:
        for m in metric_names(expr):
            used.setdefault(m, set()).add(f"dashboard {title!r}")
    for expr in rule_exprs(alerts):
        for m in metric_names(expr):
            used.setdefault(m, set()).add("baton-alerts.yml")
    c.expect(len(rule_exprs(alerts)) == len(shipped_alerts), "an expr parsed from baton-alerts.yml for every alert")
    for m, where in sorted(used.items()):
        base_name = re.sub(r"_(bucket|sum|count)$", "", m)
        fam = base_name if base_name in histograms else m
        c.expect(fam in table, f"{m} (in {', '.join(sorted(where))}) is a metric of docs/ADMIN.md")
        c.expect(fam in scraped, f"{m} (in {', '.join(sorted(where))}) is in the scraped /metrics")
    c.info(f"{len(used)} metric names used by the dashboard and the alerts, all checked")
    unused = sorted(set(table) - {re.sub(r"_(bucket|sum|count)$", "", m) for m in used} - set(used))
    if unused:
        c.info(f"note: metrics on no dashboard panel or alert: {unused}")


if __name__ == "__main__":
    try:
        TOOLS = find_tools()
    except Skip as e:
        print(f"SKIP test_prometheus: {e}", flush=True)
        sys.exit(SKIP)
    main(scenario, limit=WATCHDOG, extra_args=extra_args)

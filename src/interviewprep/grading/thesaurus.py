"""The offline grader's thesaurus: synonym families and multi-word expressions.

Both are general (English and common backend-engineering usage), never written for
one question. :data:`SYNONYMS` maps every word of a family to the family's first word
(after stemming, see :func:`interviewprep.grading.lexical.stem`); a word belongs to
the first family that lists it. :data:`EXPRESSIONS` rewrites multi-word expressions
to one concept word before an answer or a rubric phrase is split into clauses, so
"hands back" reads as "return" and "over and over" as "repeatedly"; negation cues
around an expression stay where they are ("does not hand back" is "does not
return"), and expressions that carry a negation of their own are rewritten to their
positive meaning ("almost never" is "rarely", "without delay" is "immediately").
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Any

SYNONYMS: tuple[tuple[str, ...], ...] = (
    (
        "repeat",
        "again",
        "retry",
        "retries",
        "resend",
        "replay",
        "twice",
        "multiple",
        "many",
        "several",
        "multi",
        "redo",
        "reissue",
        "rerun",
        "repetition",
        "repeatedly",
        "repeated",
    ),
    ("same", "identical", "unchanged", "equivalent", "equal"),
    ("create", "insert", "add", "generate", "spawn", "construct", "instantiate", "build"),
    ("duplicate", "copy", "another", "extra", "double"),
    (
        "remove",
        "delete",
        "erase",
        "discard",
        "purge",
        "evict",
        "wipe",
        "eliminate",
        "strip",
        "drop",
        "dropped",
        "filter",
        "exclude",
    ),
    ("each", "every"),
    ("once", "one", "single"),
    (
        "error",
        "failure",
        "fail",
        "broken",
        "outage",
        "exception",
        "glitch",
        "hiccup",
        "malfunction",
        "misbehave",
        "breakage",
        "failing",
        "failed",
    ),
    (
        "fast",
        "quick",
        "quickly",
        "speed",
        "faster",
        "rapid",
        "rapidly",
        "speedy",
        "swift",
        "quicker",
        "snappy",
        "fastest",
    ),
    ("slow", "slower", "latency", "lag", "sluggish", "slowly", "slowness", "slowest", "laggy"),
    ("big", "large", "huge", "massive", "enormous", "giant", "bulky", "bigger", "larger"),
    ("small", "little", "tiny", "smaller", "minor", "modest", "compact"),
    (
        "change",
        "modify",
        "alter",
        "mutate",
        "update",
        "edit",
        "amend",
        "tweak",
        "adjust",
        "modification",
        "changes",
    ),
    ("read", "fetch", "retrieve", "lookup", "load", "obtain", "reader", "reading"),
    (
        "store",
        "save",
        "persist",
        "write",
        "keep",
        "retain",
        "writer",
        "stash",
        "storing",
        "saved",
        "stored",
        "populate",
        "fill",
    ),
    (
        "start",
        "execute",
        "run",
        "perform",
        "invoke",
        "execution",
        "running",
        "begin",
        "began",
        "begun",
        "kick",
        "launch",
        "boot",
        "initiate",
        "startup",
        "restart",
        "reboot",
    ),
    ("stop", "halt", "cease", "terminate", "kill", "killed", "abort", "aborted", "shutdown"),
    (
        "check",
        "inspect",
        "examine",
        "investigate",
        "look",
        "looked",
        "checked",
        "checking",
        "inspection",
        "probe",
        "verify",
        "validate",
        "confirm",
        "validation",
        "verification",
        "confirmation",
    ),
    ("effect", "impact"),
    (
        "user",
        "customer",
        "client",
        "caller",
        "consumer",
        "person",
        "people",
        "visitor",
        "enduser",
        "someone",
        "somebody",
        "customers",
    ),
    ("ensure", "guarantee", "promise", "assure", "guaranteed"),
    ("prevent", "avoid"),
    (
        "old",
        "stale",
        "outdated",
        "obsolete",
        "previous",
        "prior",
        "earlier",
        "former",
        "older",
        "legacy",
    ),
    ("lose", "lost", "loss", "vanish", "vanishes", "disappear", "disappears", "gone"),
    ("rollback", "revert", "undo", "reverse", "reversed", "reversible", "reversal", "invert"),
    ("tell", "inform", "notify", "told", "communicate", "alert", "warn", "warning"),
    (
        "wait",
        "block",
        "blocking",
        "stall",
        "stalls",
        "stalled",
        "hang",
        "hangs",
        "stuck",
        "waiting",
        "blocked",
    ),
    ("allow", "permit", "enable", "enabled", "permitted", "allowed"),
    ("return", "respond", "reply", "answer", "returned", "returning"),
    ("request", "call", "invocation"),
    (
        "contain",
        "include",
        "carry",
        "bring",
        "attach",
        "attached",
        "attaches",
        "tack",
        "embed",
    ),
    ("remember", "recall", "memorise", "memorize"),
    ("need", "require", "necessary", "essential", "mandatory", "required", "requirement"),
    ("database", "db", "datastore"),
    ("application", "app"),
    ("server", "machine", "host", "instance", "box", "vm", "computer"),
    ("memory", "ram"),
    ("disk", "storage", "drive"),
    ("whole", "entire", "complete", "full", "everything", "total", "entirety", "fully"),
    ("scan", "traverse"),
    (
        "separate",
        "isolated",
        "private",
        "dedicated",
        "independent",
        "independently",
        "standalone",
        "isolation",
        "isolate",
        "decouple",
        "decoupled",
        "decoupling",
        "loose",
        "loosely",
    ),
    ("unique", "distinct", "different"),
    ("lock", "mutex", "latch", "semaphore"),
    (
        "concurrent",
        "concurrently",
        "parallel",
        "simultaneous",
        "simultaneously",
        "concurrency",
        "parallelism",
        "simultaneity",
    ),
    ("conflict", "clash", "collision", "contention", "collide"),
    (
        "rare",
        "rarely",
        "seldom",
        "infrequent",
        "uncommon",
        "unusual",
        "occasional",
        "occasionally",
        "infrequently",
        "exceptional",
    ),
    ("cheap", "cheaper", "inexpensive", "lightweight", "light", "lighter", "cheaply"),
    ("expensive", "costly", "heavy", "heavier"),
    ("encrypt", "encryption", "encipher", "scramble"),
    (
        "attacker",
        "hacker",
        "adversary",
        "intruder",
        "eavesdropper",
        "sniffer",
        "snooper",
        "malicious",
        "criminal",
        "thief",
        "villain",
        "hostile",
    ),
    (
        "send",
        "sent",
        "transmit",
        "forward",
        "deliver",
        "delivery",
        "deliveries",
        "dispatch",
        "emit",
        "transmission",
        "sending",
    ),
    (
        "limit",
        "cap",
        "quota",
        "budget",
        "maximum",
        "max",
        "threshold",
        "ceiling",
        "restrict",
        "restriction",
        "constrain",
        "capped",
        "limited",
        "upper",
    ),
    ("reject", "refuse", "deny", "decline", "refused", "rejected", "denied", "denial"),
    ("delay", "pause", "sleep", "backoff", "postpone", "defer"),
    ("random", "randomise", "randomize", "randomly", "jitter", "unpredictable", "unguessable"),
    ("crash", "die", "dies", "died", "fault", "faulty", "crashed", "crashes", "collapse"),
    ("problem", "issue", "bug", "defect", "flaw", "trouble", "issues", "problems"),
    ("data", "information", "info"),
    ("count", "number", "amount", "tally"),
    ("command", "statement", "instruction"),
    ("concatenate", "concatenation", "concat", "glue", "append", "splice", "interpolate"),
    ("permission", "privilege"),
    (
        "parameter",
        "param",
        "placeholder",
        "bind",
        "parameterised",
        "parameterized",
        "parametrised",
        "parametrized",
    ),
    (
        "protect",
        "secure",
        "guard",
        "shield",
        "defend",
        "safeguard",
        "protection",
        "secured",
        "security",
    ),
    (
        "detect",
        "notice",
        "spot",
        "discover",
        "discovery",
        "recognise",
        "recognize",
        "noticed",
        "spotted",
        "detection",
    ),
    ("tamper", "manipulate", "forge"),
    ("prove", "demonstrate", "attest", "vouch", "vouches", "vouched"),
    ("converge", "reconcile", "sync", "synchronise", "synchronize"),
    ("available", "reachable", "online", "responsive"),
    (
        "increase",
        "raise",
        "grow",
        "rise",
        "boost",
        "expand",
        "bump",
        "climb",
        "accumulate",
        "pile",
    ),
    (
        "reduce",
        "decrease",
        "lower",
        "shrink",
        "minimise",
        "minimize",
        "cut",
        "trim",
        "fewer",
        "less",
    ),
    ("latest", "newest", "recent", "fresh", "newer"),
    ("immediate", "immediately", "instant", "instantly", "promptly", "instantaneous"),
    ("eventually", "ultimately", "finally", "later", "afterwards", "sooner"),
    (
        "temporary",
        "temporarily",
        "transient",
        "briefly",
        "ephemeral",
        "short-lived",
        "transitory",
    ),
    ("durable", "permanent", "permanently", "lasting", "persistent", "survive", "survives"),
    ("split", "partition", "divide", "slice", "chunk", "segment", "separated", "shard", "sharded"),
    ("row", "record", "entry", "tuple"),
    ("column", "field", "attribute"),
    (
        "cost",
        "price",
        "overhead",
        "penalty",
        "downside",
        "drawback",
        "disadvantage",
        "expense",
        "tax",
        "toll",
    ),
    (
        "benefit",
        "advantage",
        "upside",
        "gain",
        "win",
        "payoff",
        "perk",
        "pro",
        "gains",
        "benefits",
    ),
    ("hide", "conceal", "mask", "obscure", "invisible", "hidden"),
    ("guess", "crack", "brute"),
    ("leak", "expose", "reveal", "disclose", "exposure", "leakage", "exposed", "leaked"),
    (
        "steal",
        "stolen",
        "breach",
        "compromise",
        "theft",
        "exfiltrate",
        "hijack",
        "hijacked",
        "takeover",
    ),
    ("task", "job"),
    ("bottleneck", "hotspot"),
    ("correct", "valid", "accurate", "proper"),
    ("wrong", "incorrect", "invalid"),
    ("hash", "digest", "fingerprint", "hashed", "hashing"),
    ("certificate", "cert"),
    ("help", "aid", "assist"),
    (
        "simple",
        "easy",
        "easily",
        "easier",
        "simpler",
        "straightforward",
        "trivial",
        "painless",
        "simplicity",
    ),
    (
        "hard",
        "difficult",
        "tricky",
        "complex",
        "complicated",
        "painful",
        "challenging",
        "harder",
    ),
    ("decide", "decision", "choose", "choice", "pick", "opt", "decides", "determine"),
    ("learn", "lesson", "takeaway", "realise", "realize"),
    ("outcome", "result"),
    ("propose", "suggest", "recommend", "advise", "advocate"),
    ("colleague", "teammate", "coworker", "peer"),
    ("manager", "boss", "supervisor"),
    (
        "automatic",
        "automatically",
        "implicit",
        "implicitly",
        "transparently",
        "autonomously",
        "automate",
        "automated",
        "automation",
    ),
    ("manual", "manually", "handwritten"),
    ("unavailable", "downtime", "offline", "unreachable", "unresponsive"),
    ("fix", "repair", "resolve", "solve", "remedy", "cure", "mend", "fixed", "repaired"),
    ("monitor", "watch", "observe", "observability", "monitoring", "surveil"),
    (
        "often",
        "frequent",
        "frequently",
        "regularly",
        "constantly",
        "routinely",
        "commonly",
        "periodic",
        "periodically",
    ),
    (
        "sequential",
        "sequentially",
        "serial",
        "serially",
        "serialise",
        "serialize",
        "serialised",
        "serialized",
    ),
    ("disable", "deactivate", "disabled", "switchoff"),
    ("recover", "restore", "recovery", "recoverable", "retrievable"),
    ("early", "beforehand", "advance", "upfront", "ahead", "proactively", "prematurely", "first"),
    ("goal", "aim", "purpose", "objective", "intent", "intention"),
    ("skip", "omit", "omitted", "skipped", "bypassed"),
    ("trust", "rely", "reliance", "reliable"),
    ("busy", "loaded", "overloaded", "swamped", "saturated"),
    ("spike", "burst", "surge", "peak", "flood"),
    ("overwrite", "clobber", "overwritten", "overwrote", "clobbered"),
    ("order", "sequence", "sorted", "ordered", "sort"),
    ("share", "shared", "global"),
    ("sign", "signature", "signed"),
    ("log", "journal", "logs", "logging"),
    ("snapshot", "dump", "backup", "picture"),
    ("pointer", "reference", "link", "refer", "referenced", "referencing"),
    ("combine", "merge", "join"),
    ("search", "find", "seek", "locate"),
    ("compare", "comparison"),
    ("trip", "trips", "tripped"),
    ("queue", "backlog", "queued", "queuing"),
    ("worker", "processor"),
    ("space", "room", "footprint"),
    ("partial", "partially", "incomplete", "unfinished", "halfway"),
    ("transit", "flight"),
    ("wasteful", "waste", "wasted", "wasting"),
    # added in the second tuning round (issue 4): general usage
    ("oneway", "irreversible", "unidirectional", "onedirectional"),
    ("asynchronous", "async", "asynchronously", "background"),
    (
        "mock",
        "mocks",
        "mocked",
        "fake",
        "fakes",
        "stub",
        "stubs",
        "stubbed",
        "dummy",
        "spy",
        "pretend",
    ),
    ("switch", "flip", "redirect", "reroute", "cutover"),
    ("flag", "toggle"),
    ("version", "revision"),
    ("group", "bucket"),
    ("aggregate", "aggregation", "sum"),
    ("percentile", "quantile", "median", "p50", "p75", "p90", "p95", "p99", "p999"),
    ("average", "avg"),
    ("show", "display", "chart", "plot", "graph", "visualise", "dashboard"),
    ("expire", "expiry", "expiration", "ttl"),
    ("damage", "harm", "havoc"),
    ("directory", "folder", "dir"),
    ("inside", "within", "beneath", "underneath", "under"),
    ("canonical", "absolute", "canonicalise", "realpath"),
    ("escape", "breakout"),
    ("test", "trial", "experiment", "suite"),
    ("provide", "supply", "inject", "injection", "receive", "hand", "handed"),
    ("dependency", "collaborator"),
    ("explicit", "visible", "obvious", "apparent", "evident"),
    ("central", "centrally", "centralise"),
    ("poor", "poorly", "bad", "weak", "terrible", "unsuitable", "awful", "worse"),
    ("wire", "wiring", "assemble", "compose"),
    ("flush", "fsync"),
    ("cause", "culprit", "trigger", "reason", "suspect"),
    ("gradual", "gradually", "incremental", "incrementally", "progressive", "phased", "canary"),
    ("debt", "clutter", "cruft"),
    ("live", "active", "alive"),
    ("miss", "missing", "absent", "nonexistent"),
    ("exhausted", "exhaust", "depleted", "deplete", "spent"),
    # added in the fourth tuning round (issue 4): judgements of a practice (see the
    # "not safe" expressions)
    ("safe", "fine", "suitable", "appropriate", "acceptable", "harmless"),
    # backend and general vocabulary
    ("use", "utilize", "utilise", "employ", "leverage", "usage"),
    ("happen", "occur", "arise"),
    ("configuration", "config", "configure", "configured"),
    ("environment", "env"),
    ("repository", "repo"),
    ("deploy", "rollout", "redeploy"),
    ("throttle", "ratelimit", "throttled"),
    ("replica", "standby"),
    ("template", "blueprint", "recipe", "mould", "mold"),
    ("forever", "endlessly", "indefinitely", "infinitely", "endless", "infinite"),
    ("constraint", "rule", "invariant"),
    ("manage", "maintain", "administer", "upkeep"),
    ("provision", "allocate", "allocation"),
    ("cache", "memoize", "memoise", "memoization"),
    # added in the opposites round (issue 4): general usage
    ("behave", "act", "acts", "acted", "acting"),
    ("refactor", "refactoring", "restructure", "reorganize", "reorganise"),
)

ANTONYMS: dict[str, str] = {
    **dict.fromkeys(("synchronous", "synchronously", "synchronicity"), "asynchronous"),
    **dict.fromkeys(("uncommitted", "uncommited"), "committed"),
    **dict.fromkeys(("anonymous", "anonymously", "unauthenticated"), "authenticated"),
    "unauthorized": "authorized",
    "unauthorised": "authorised",
    "nonblocking": "blocking",
    "immutable": "mutable",
    "inconsistent": "consistent",
    "insecure": "secure",
    "unsafe": "safe",
    "invalid": "valid",
    "unencrypted": "encrypted",
    "unbounded": "bounded",
    "unordered": "ordered",
    "nondeterministic": "deterministic",
    "unreliable": "reliable",
    "incorrect": "correct",
    "incomplete": "complete",
    "inefficient": "efficient",
    "unpredictable": "predictable",
    "untrusted": "trusted",
    "unhandled": "handled",
    "uncached": "cached",
    "unindexed": "indexed",
    "unsorted": "sorted",
    "unsigned": "signed",
}
"""Words that mean "not" another word: each is read as a negation of that word only
("uncommitted data" is "not committed data", "a synchronous call" is "a not
asynchronous call"), so "reading already committed data" opposes "reading uncommitted
data". The base is the word whose synonym family carries the concept ("asynchronous"
with "background")."""

OPPOSITES: tuple[tuple[str, str], ...] = (
    ("fast", "slow"),
    ("faster", "slower"),
    ("big", "small"),
    ("bigger", "smaller"),
    ("larger", "smaller"),
    ("high", "low"),
    ("higher", "lower"),
    ("increase", "reduce"),
    ("increase", "decrease"),
    ("more", "fewer"),
    ("more", "less"),
    ("before", "after"),
    ("early", "late"),
    ("earlier", "later"),
    ("immediately", "eventually"),
    ("client", "server"),
    ("add", "remove"),
    ("keep", "drop"),
    ("allow", "deny"),
    ("enable", "disable"),
    ("start", "stop"),
    ("inside", "outside"),
    ("cheap", "expensive"),
    ("cheaper", "expensive"),
    ("right", "wrong"),
    ("correct", "wrong"),
    ("succeed", "fail"),
    ("success", "failure"),
    ("lazy", "eager"),
    ("push", "pull"),
    ("horizontal", "vertical"),
    ("inbound", "outbound"),
    ("upstream", "downstream"),
)
"""Pairs of opposite words: a key point stated with one of these words (in any
inflection) replaced by the other (or by any word of its synonym family), in the same
order ("the client generates the key" for "the server generates the key", "reads get
slower" for "reads get faster"), asserts the opposite (see
:mod:`interviewprep.grading.rubric`)."""

_JUDGED = (
    r"(?=\s*(?:$|[^\w\s-]|\b(?:to|for|in|on|at|with|because|since|as|if|when|unless|and|or"
    r"|but|so|here|there|now|too|even|anyway|in practice)\b))"
)
"""After a judgement ("is dangerous"): the end of its clause, so that "is insecure direct
object reference" (an attribute of a noun) is not read as one."""

_EXPRESSION_TABLE: tuple[tuple[str, str], ...] = (
    # time and frequency
    (
        r"\b(?:run|runs|running|ran|happen\w*|execut\w*|arriv\w*|occur\w*|come|comes|coming"
        r"|hit|hits|fire|fires|start|starts|retry|retried|retries|write|writes|writing)"
        r"(?: all)? at once",
        "concurrently",
    ),
    (
        r"at the (?:very )?same (?:time|moment|instant)|all at once|in parallel|side by side",
        "concurrently",
    ),
    (r"at once|right away|straight away|without (?:any )?delay|in no time", "immediately"),
    (r"over and over(?: again)?|again and again|time after time|more than once", "repeatedly"),
    (r"hardly ever|almost never|once in a while|every now and then|now and then", "rarely"),
    (r"all the time|most of the time|again every time", "often"),
    (r"sooner or later|in the end|over time|after a while", "eventually"),
    (r"one (?:at a time|after (?:the )?other|after another|by one)|in turn", "sequentially"),
    (r"ahead of time|in advance|up front|before(?:hand)? it (?:is|gets) needed", "early"),
    (r"for (?:a )?(?:short|little) while|for a moment|short[- ]lived", "temporarily"),
    # giving, returning, getting
    # ("sends it back" is left alone: a client sending a cookie or a tag back echoes it)
    (r"\b(?:hand|give|pass)(?:s|ed|ing)? (?:it |them |that |this )?back", "return"),
    (r"\b(?:handed|gave|given|passed) (?:it |them |that |this )?back", "return"),
    (r"\b(?:come|comes|came|coming) back with", "return"),
    (r"\bget(?:s|ting)? (?:it |them |the \w+ )?back|\bgot (?:it |them |the \w+ )?back", "recover"),
    (r"\blook(?:s|ed|ing)? (?:it |them )?up\b", "lookup"),
    (r"\b(?:fetch|pull|grab)(?:s|ed|es|ing)? (?:it |them )?(?:back|out)\b", "fetch"),
    # failing, breaking, stopping
    (
        r"\b(?:go|goes|going|gone|went) (?:down|offline|dark)|\b(?:fall|falls|fell|falling) over"
        r"|\b(?:blow|blows|blew|blown|blowing) up|\b(?:keel|keels|keeled) over",
        "crash",
    ),
    (r"\b(?:is|are|was|were|be|being) down\b", "unavailable"),
    (r"\b(?:shut|shuts|shutting) (?:it )?down|\b(?:wind|winds|wound) down", "stop"),
    (r"\b(?:turn|turns|turned|switch|switches|switched|shut|shuts) (?:it |them )?off", "disable"),
    (r"\b(?:turn|turns|turned|switch|switches|switched) (?:it |them )?on\b", "enable"),
    (r"\b(?:spin|spins|spun|boot|boots|booted|fire|fires|fired|start|starts) (?:it )?up", "start"),
    # removing, keeping, changing
    (
        r"\b(?:throw|throws|threw|thrown|toss|tosses|tossed) (?:it |them )?away"
        r"|\b(?:get|gets|got|getting) rid of|\b(?:clean|cleans|cleaned) (?:it |them )?up",
        "remove",
    ),
    (r"\b(?:write|writes|wrote|written) (?:it |them )?(?:down|out)\b", "write"),
    (r"\b(?:keep|keeps|kept) (?:an eye on|track of|watch)", "monitor"),
    (r"\b(?:break|breaks|broke|split|splits) (?:it |them )?up\b", "split"),
    (r"\b(?:pile|piles|piled|build|builds|built|add|adds|added|stack|stacks) up\b", "accumulate"),
    (r"\b(?:set|sets) (?:it |them )?aside|\bmove(?:s|d)? (?:it |them )?aside", "separate"),
    # knowing, choosing, ensuring
    (r"\b(?:make|makes|made|making) (?:sure|certain)", "ensure"),
    (
        r"\b(?:get|gets|getting|got|stand|stands|standing|stood) in (?:each other|one another"
        r"|the|their|its|your|my|our|his|her) way",
        "block",
    ),
    (r"\b(?:find|finds|found|figure|figures|figured|work|works|worked) out\b", "discover"),
    (r"\b(?:go|goes|went) with|\bopt(?:s|ed)? for|\bsettle(?:s|d)? on", "choose"),
    (
        r"\b(?:by itself|by themselves|on (?:its|their) own accord|without being asked)",
        "automatically",
    ),
    (r"\bby hand\b", "manually"),
    # reading through data
    (
        r"\b(?:read|reads|reading|visit\w*|touch\w*|check|checks|checking|examin\w*|inspect\w*"
        r"|look at|looking at|looks at)(?: (?:through|over|at))? (?P<scanned>(?:every|each"
        r"|all(?: of)?(?: the)?|the (?:whole|entire|full)) (?:single )?(?:\w+ )?(?:rows?|records?"
        r"|entry|entries|items?|table|lines|documents?))\b",
        r"scan \g<scanned>",
    ),
    (
        r"\b(?:go|goes|going|went|walk|walks|walking|walked|run|runs|ran|read|reads|reading)"
        r" (?:through|over) (?:every|each|all(?: the)?|the (?:whole|entire|full)) (?:\w+ )?"
        r"(?:rows?|records?|entries|items|lines)",
        "scan every row",
    ),
    (r"\brow by row|\brecord by record|\bentry by entry", "scan sequentially"),
    (
        r"\b(?:doubl(?:e|es|ed|ing)|twice as long as|twice the)\s+(?:the\s+)?(?:previous\s+)?"
        r"(?:wait|delay|pause|interval|timeout|backoff|sleep)"
        r"|\b(?:twice|two times) as long as (?:the )?(?:previous|last|prior|one before)(?: one)?",
        "exponentially longer delay",
    ),
    (
        r"\b(?:in flight|on the wire|over the wire|over the network|across the network)",
        "in transit",
    ),
    (r"\bhalf[- ](?:done|finished|written|applied|complete|made)", "incomplete"),
    (r"\bpower (?:cut|failure|loss|outage)|\bpull(?:s|ed)? the plug", "crash"),
    (
        r"\b(?:use|uses|used|using|burn|burns|burned|burnt|burning) up\b"
        r"|\b(?:run|runs|running|ran) out\b",
        "exhausted",
    ),
    (r"\b(?:take|takes|took|taking|eat|eats|ate|eating) up\b", "use"),
    # quantities
    (r"\b(?:a lot of|lots of|plenty of|loads of|a bunch of|tons of)", "many"),
    (r"\b(?:a (?:few|couple of)|a handful of)", "several"),
    (r"\bless and less|\bfewer and fewer", "decreasing"),
    (r"\bmore and more", "increasing"),
    # added in the second tuning round (issue 4)
    # absence: a negated "is there" or "exists" is the word "missing", so that "rows
    # that are not there" agrees with "values that do not exist" instead of opposing
    # it ("missing" negates softly what follows, like "lacking")
    (
        r"\b(?:is|are|was|were|be|been) not (?:there|present)\b"
        r"|\b(?:does|do|did) not (?:yet )?exist\b|\bnon-?existent\b",
        "missing",
    ),
    (r"\bone[- ](?:way|directional)\b|\bno way back\b", "oneway"),
    (
        r"\b(?:go|goes|going|gone|went) back to (?:the )?(?:old|previous|prior|last|earlier)\b"
        r"|\b(?:switch|flip|point|route|move|roll)(?:s|es|ed|ped|ing|ping)? (?:it |them |traffic"
        r" |everything |everyone )?back\b",
        "rollback",
    ),
    (r"\b(?:go|goes|going|gone|went) back\b", "return"),
    (r"\b(?:flip|flips|flipped|flipping|toggle|toggles|toggled) (?:it |them )?off\b", "disable"),
    (r"\b(?:come|comes|came|coming) back\b(?! with)", "recover"),
    (r"\b(?:take|takes|taken|took|taking) over\b", "takeover"),
    (r"\bblast radius\b", "damage"),
    (r"\bfor a limited (?:time|period)\b|\btime[- ]limited\b|\btime[- ]boxed\b", "temporarily"),
    (
        r"\b(?:in|under|within|below) (?:well )?(?:a few |mere |a |one |a single )?(?:milli|micro)"
        r"seconds?\b|\bin (?:a few |mere )?seconds\b",
        "quickly",
    ),
    # "full table scan", "scan the whole table", "scan every row": one concept
    (
        r"\b(?:full|whole|entire)[- ]table scans?\b"
        r"|\bscan(?:s|ning|ned)? (?:through )?(?:the |a )?(?:whole|entire|full) table\b"
        r"|\bscan(?:s|ning|ned)? (?:through )?(?:every|each|all(?: of)?(?: the)?)"
        r" (?:single )?rows?\b"
        r"|\bscan sequentially\b|\bsequential scans?\b"
        r"|\b(?:go|goes|going|went|walk\w*|read\w*) through (?:the |a )?(?:whole |entire |full )?"
        r"table\b",
        "fullscan",
    ),
    (r"\baccess rights\b|\brights\b", "permissions"),
    (
        r"\b(?:be|get|gets|got|is|are|was|were) paged\b|\bpage (?:someone|somebody|the on-?call)",
        "alert",
    ),
    (r"\b(?:has|have|had|must|need|needs) to queue\b|\bqueue(?:s|d)? up\b", "wait"),
    (
        r"\bpoint[- ]in[- ]time\b"
        r"|\bat (?:a|one|a single|a given|a particular) (?:moment|instant)\b",
        "pointintime",
    ),
    (
        r"\bre-(?:execute[sd]?|executing|run|runs|ran|running|apply|applies|applied|play|plays"
        r"|played|process|processed|processes|processing)\b",
        "repeat",
    ),
    (
        r"\b(?:can not|does not|do not|is not|are not) (?:do |work |perform |cope )?(?:very )?"
        r"(?:well|good)\b",
        "poorly",
    ),
    (r"\bpass(?:es|ed|ing)? in\b", "provide"),
    # all or nothing (before the idioms drop "or nothing" and "or none")
    (
        r"\ball or (?:nothing|none)\b|\b(?:or|and) not at all\b"
        r"|\bor none (?:do|does|did|is|are|happens?|at all|of them)\b"
        r"|\beither (?:fully|completely|entirely|wholly) or not\b",
        "allornothing",
    ),
    # state kept on the server between requests
    (
        r"\b(?:keeps?|holds?|stores?|has|have|with|needs?) no (?:session |client |conversational )?"
        r"state\b|\bwithout (?:any |keeping |storing )?(?:session |client )?state\b",
        "stateless",
    ),
    (r"\bget(?:s|ting)? (?:and|or) set(?:s|ting)?\b", "read write"),
    (r"\b(50|75|90|95|99)th\b", r"p\1"),
    (r"\b(?:logged|signed)[- ]in\b", "authenticated"),
    (r"\b(?:shows?|showed|showing|turns?|turned|turning) up\b", "appear"),
    (r"\bconstant[- ]time\b", "fast"),
    (r"\b(?:pays?|paid|paying) off\b", "benefit"),
    (r"\bbuys? (?:you )?(?:nothing|no\b)", "no benefit"),
    (
        r"\bnumber[- ]crunching\b|\bheavy computations?\b"
        r"|\b(?:cpu|compute)[- ](?:heavy|intensive)\b",
        "cpu bound",
    ),
    (r"\bmultiprocessing\b", "multiple processes"),
    (r"\breach(?:es|ed)? for\b", "use"),
    (
        r"\bpoint(?:s|ed|ing)? (?:the )?(?:load balancer|router|traffic|dns) (?:at|to)\b",
        "switch traffic",
    ),
    (
        r"\b(?:climb|climbs|climbed|climbing|break|breaks|broke|breaking|get|gets|got|getting)"
        r" out of\b",
        "escape",
    ),
    (
        r"\b(?:in|at|from) (?:one|a single) (?:central )?(?:place|spot|location)\b",
        "centrally",
    ),
    (r"\b(?:sit|sits|sat|sitting) (?:there |around |idle )?(?:until|waiting)\b", "wait until"),
    # added in the fourth tuning round (issue 4)
    # a practice judged bad is a practice not to follow: "storing plaintext passwords is
    # dangerous" agrees with "never store plaintext passwords" (a negation of the whole
    # clause, where an antonym such as "unsafe" would negate only its own word)
    (
        r"\b(is|are|was|were|be|being)(?: (?:very|really|generally|usually|considered))?"
        r" (?:dangerous|risky|harmful|unsafe|insecure|unsuitable"
        r"|inappropriate|unacceptable|discouraged|bad practice|an anti-?pattern"
        r"|a (?:bad|terrible|poor|risky|dangerous) (?:idea|choice|fit|practice))" + _JUDGED,
        r"\1 not safe",
    ),
    (
        r"\b(is|are|was|were|be) not (?:dangerous|risky|harmful|unsafe|insecure|unsuitable"
        r"|inappropriate|a (?:bad|terrible|poor) (?:idea|choice|fit|practice))" + _JUDGED,
        r"\1 safe",
    ),
    (r"\b(?:a )?good (?:idea|choice|fit|practice)\b|\bgood enough\b", "safe"),
    (r"\b(?:take|takes|taking) place\b|\btook place\b", "happen"),
    (r"\b(?:go|goes|going|gone|went) wrong\b", "fail"),
    (r"\bout[- ]of[- ]date\b", "stale"),
    (r"\bup[- ]to[- ]date\b", "latest"),
    (r"\bout of sync\b", "inconsistent"),
    (r"\bin sync\b", "consistent"),
    (r"\bprior to\b", "before"),
    # "the mean" (a noun, after its article) is the average; "it means" is not
    (
        r"(?<=\bthe )mean\b|(?<=\ba )mean\b|(?<=\bits )mean\b|(?<=\btheir )mean\b"
        r"|(?<=\barithmetic )mean\b",
        "average",
    ),
    # "keeps failing", "keep retrying": the same thing again and again
    (r"\b(?:keep|keeps|kept|keeping)(?: on)? (?=[a-z]{3,}ing\b)", "repeatedly "),
)

EXPRESSIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?:{pattern})"), replacement) for pattern, replacement in _EXPRESSION_TABLE
)
"""Multi-word expressions and the concept word each is read as (lower-case text)."""

_WORD = re.compile(r"[a-z]+")
_COMMON = frozenset(
    re.findall(
        r"\w+",
        """
        a an the it its them they this that these is are was were be been being to of in
        on at by for with as and or each every not no do does did has have had s
        """,
    )
)
"""Words too common to tell whether an expression may occur (each expression has a
less common word of its own)."""
_LITERAL_WORD = re.compile(r"(?<![a-z\\#])[a-z]{2,}(?![a-z(\\?*+{#])")
_SUFFIXED = re.compile(r"[a-z]+\(\?:[^()]*\)\??")
"""A stem with its suffix group ("pass(?:es|ed|ing)?"): neither the stem nor the
suffixes are whole words of a match."""


def _needs(pattern: str) -> frozenset[str]:
    """Whole, not too common words written in ``pattern`` (not stems followed by a
    suffix group, nor those suffixes): every match contains one of them, so text
    without any is skipped."""
    words = frozenset(_LITERAL_WORD.findall(_SUFFIXED.sub("#", pattern.replace("\\b", " "))))
    return (words - _COMMON) or words


def _parser() -> Any:
    """The standard library's regex parser (private; when it is missing, or changes
    shape, :func:`_literals` requires nothing and every pattern is searched)."""
    try:
        return importlib.import_module("re._parser")
    except ImportError:  # pragma: no cover - a future Python
        return None


_SRE = _parser()
_MAX_LITERAL_CLAUSES = 3


def _literals(pattern: str) -> tuple[tuple[str, ...], ...]:
    """Strings every match of ``pattern`` contains: each match holds, for every
    group returned, at least one of the group's strings (most selective groups
    first). A cheap substring test of these skips most searches; a pattern the
    analysis does not understand requires nothing."""
    if _SRE is None:  # pragma: no cover - a future Python
        return ()
    try:
        parsed = _SRE.parse(pattern)
        if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
            return ()
        required = _required(parsed.data)
    except Exception:  # pragma: no cover - an unknown parser shape: search always
        return ()
    required.sort(key=lambda options: -min(len(o) for o in options))
    # a string that contains another of its group adds nothing to the test
    return tuple(
        tuple(sorted(o for o in group if not any(other in o for other in group - {o})))
        for group in required[:_MAX_LITERAL_CLAUSES]
    )


def _required(items: Any) -> list[frozenset[str]]:
    """The literal groups a sequence of parsed regex items requires (see
    :func:`_literals`): runs of literal characters, and what a group, a branch (one
    group per alternative, merged) or a repeat of at least once requires."""
    c = _SRE  # the opcodes are attributes of the parser module
    groups: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            groups.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if op is c.AT:
            continue  # zero-width: the characters on both sides are adjacent
        flush()
        if op is c.SUBPATTERN:
            _, add_flags, _, inner = av
            if not add_flags & re.IGNORECASE:
                groups.extend(_required(inner))
        elif op is c.BRANCH:
            options: set[str] = set()
            for branch in av[1]:
                found = _required(branch)
                if not found:
                    break  # an alternative without literals: the branch requires nothing
                options |= max(found, key=lambda o: min(len(s) for s in o))
            else:
                groups.append(frozenset(options))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
            groups.extend(_required(av[2]))
    flush()
    return groups


_JUDGEMENTS = frozenset(
    re.findall(r"\w+", "dangerous risky harmful unsafe insecure unsuitable inappropriate bad anti")
    + re.findall(r"\w+", "unacceptable discouraged antipattern terrible poor")
)
_ANCHORS: dict[str, frozenset[str]] = {
    pattern: _JUDGEMENTS for pattern, _ in _EXPRESSION_TABLE if _JUDGED in pattern
} | {
    r"\b(?:a )?good (?:idea|choice|fit|practice)\b|\bgood enough\b": frozenset({"good"}),
    r"\b(?:take|takes|taking) place\b|\btook place\b": frozenset({"place"}),
    r"\b(?:go|goes|going|gone|went) wrong\b": frozenset({"wrong"}),
    r"\bout of sync\b": frozenset({"sync"}),
    r"\bout[- ]of[- ]date\b": frozenset({"date"}),
    r"\bup[- ]to[- ]date\b": frozenset({"date"}),
    r"\b(?:keep|keeps|kept|keeping)(?: on)? (?=[a-z]{3,}ing\b)": frozenset(
        {"keep", "keeps", "kept", "keeping"}
    ),
}
"""Words every match of these expressions contains, where :func:`_needs` would list
more common ones ("going", "up", "because" in a lookahead): fewer texts are searched."""

_PLAN = tuple(
    (_ANCHORS.get(pattern) or _needs(pattern), compiled, replacement, _literals(f"(?:{pattern})"))
    for (pattern, _), (compiled, replacement) in zip(_EXPRESSION_TABLE, EXPRESSIONS, strict=True)
)
"""Per expression: the words one of which it needs, its pattern, its replacement and
the literal strings it needs (see :func:`_literals`)."""


def _may_occur(literals: tuple[tuple[str, ...], ...], text: str) -> bool:
    """False when ``text`` lacks every string of one of the groups ``literals``
    requires, so the pattern cannot match."""
    for group in literals:
        for literal in group:
            if literal in text:
                break
        else:
            return False
    return True


_NEGATING = re.compile(r"\b(?:not|no|never|without|nothing|none)\b")


@functools.lru_cache(maxsize=256)
def has_expressions(text: str) -> bool:
    """Whether any expression occurs in lower-case ``text`` (when not,
    :func:`rewrite_expressions` returns it unchanged)."""
    return _first_expression(text) < len(_PLAN)


@functools.lru_cache(maxsize=256)
def _first_expression(text: str) -> int:
    """The index in :data:`_PLAN` of the first expression that occurs in ``text``, or
    the plan's length (cached: an answer is tested, then rewritten twice)."""
    # only the expressions that need a word the text has are tried, in plan order
    candidates = {i for word in set(_WORD.findall(text)) for i in _NEEDED_BY.get(word, ())}
    candidates.update(_NEEDING_NOTHING)
    for index in sorted(candidates):
        _, pattern, _, literals = _PLAN[index]
        if _may_occur(literals, text) and pattern.search(text) is not None:
            return index
    return len(_PLAN)


def _needed_by() -> dict[str, tuple[int, ...]]:
    table: dict[str, list[int]] = {}
    for index, (needs, _, _, _) in enumerate(_PLAN):
        for word in needs:
            table.setdefault(word, []).append(index)
    return {word: tuple(indices) for word, indices in table.items()}


_NEEDED_BY = _needed_by()
"""Per word, the indices in :data:`_PLAN` of the expressions that need it."""
_NEEDING_NOTHING = tuple(index for index, plan in enumerate(_PLAN) if not plan[0])
"""Expressions that need no particular word (always tried)."""


def rewrite_expressions(text: str, *, keep: bool = False) -> str:
    """Replace the multi-word expressions of lower-case ``text`` by their concept words.

    With ``keep`` the expression's words stay and the concept words follow them,
    except for expressions with a negation word of their own ("almost never") or in
    their concept words ("is dangerous" is "is not safe"), which are always replaced so
    that the negation does not remain, or is not read twice.
    """
    # the expressions before the first that occurs leave the text as it is
    first = _first_expression(text)
    present = frozenset(_WORD.findall(text))
    for needs, pattern, replacement, literals in _PLAN[first:]:
        if needs and needs.isdisjoint(present):
            continue
        if not _may_occur(literals, text):
            continue
        rewritten = pattern.sub(
            functools.partial(_rewrite, replacement=replacement, keep=keep), text
        )
        if rewritten != text:
            # a later expression may apply to this one's concept words ("read every
            # row" becomes "scan every row", which is a full scan)
            present |= frozenset(_WORD.findall(replacement))
            text = rewritten
    return text


def _rewrite(match: re.Match[str], replacement: str, keep: bool) -> str:
    # expand() parses its template on every call (Python 3.11): only when it has groups
    concept = match.expand(replacement) if "\\" in replacement else replacement
    if not keep or _NEGATING.search(match.group(0)) or _NEGATING.search(concept):
        return concept
    return f"{match.group(0)} {concept}"

-- wrk script for the seed endpoint (C1, registration options) under scripts/bench: every request
-- carries a valid Bearer token taken in turn from the file named by $SIGNET_BENCH_TOKENS (one per
-- line, minted by `signet_loadgen --mode tokens`). done() prints one parseable WRK line; non-2xx
-- answers are counted by wrk itself (summary.errors.status) and reported as errors.
-- Each token's request is formatted once, in init(): request() only picks the next one, so wrk's
-- own CPU per request (it shares the two cores with the server) is not spent building strings.
local prepared = {}
local counter = 0
local threads = {}
local path = "/v1/client/user-authenticators/passkey/registration-options"
local body = '{"username":"seed@bench.example","authenticatorAttachment":"platform"}'

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("SIGNET_BENCH_TOKENS")
  for line in io.lines(file) do
    if #line > 0 then
      prepared[#prepared + 1] = wrk.format("POST", path,
        { ["Authorization"] = "Bearer " .. line, ["Content-Type"] = "application/json" }, body)
    end
  end
  if #prepared == 0 then error("no tokens in " .. tostring(file)) end
  counter = (thread_index or 0) * 7919
end

function request()
  counter = counter + 1
  return prepared[(counter % #prepared) + 1]
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end

-- wrk script for the service load test (scripts/load_test.sh): POST
-- /v1/identify with a real probe photo under a valid authorization.
-- Environment: LOAD_IDENTIFY_BODY (file with the JSON body), LOAD_TOKEN (API
-- token of the investigator machine account), LOAD_RESULT (where done() writes
-- one JSON line: requests, 2xx, non-2xx, socket errors, latency percentiles).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("LOAD_IDENTIFY_BODY"), "rb"))
  body = f:read("*a")
  f:close()
  headers = {["Content-Type"] = "application/json",
             ["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")}
  ok, non2xx = 0, 0
end

function request()
  return wrk.format("POST", "/v1/identify", headers, body)
end

function response(status, hdrs, resp)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write("identify: HTTP " .. status .. " " .. resp .. "\n") end
  end
end

function done(summary, latency, requests)
  local ok_n, bad_n = 0, 0
  for _, t in ipairs(threads) do
    ok_n = ok_n + t:get("ok")
    bad_n = bad_n + t:get("non2xx")
  end
  local e = summary.errors
  local f = assert(io.open(os.getenv("LOAD_RESULT"), "w"))
  f:write(string.format(
    '{"type":"identify","requests":%d,"duration_s":%.2f,"rps":%.3f,"ok_2xx":%d,"non_2xx":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"latency_ms":{"p50":%.1f,"p90":%.1f,"p99":%.1f,"max":%.1f,"mean":%.1f}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    ok_n, bad_n, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, latency.mean / 1e3))
  f:close()
end

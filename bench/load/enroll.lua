-- wrk script for the service load test (scripts/load_test.sh): POST
-- /v1/galleries/load/subjects, each request a new subject id
-- ("load-<run>-<thread>-<n>") with a real face photo.
-- Environment: LOAD_ENROLL_BODY (file with the JSON body, the subject id
-- written as @SUBJECT@), LOAD_TOKEN (API token of the enroller machine
-- account), LOAD_RUN (a run id), LOAD_ACKED_DIR (each thread appends the
-- subject id of every 2xx answer to acked-<thread>.txt there: the
-- acknowledged enrollments, checked against the store afterwards),
-- LOAD_RESULT (where done() writes one JSON line).
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("LOAD_ENROLL_BODY"), "rb"))
  local template = f:read("*a")
  f:close()
  local at = template:find("@SUBJECT@", 1, true)
  prefix, suffix = template:sub(1, at - 1), template:sub(at + #"@SUBJECT@")
  headers = {["Content-Type"] = "application/json",
             ["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")}
  path = "/v1/galleries/load/subjects"
  run = os.getenv("LOAD_RUN")
  acked = assert(io.open(os.getenv("LOAD_ACKED_DIR") .. "/acked-" .. tid .. ".txt", "a"))
  counter, ok, non2xx = 0, 0, 0
end

function request()
  counter = counter + 1
  local id = "load-" .. run .. "-" .. tid .. "-" .. counter
  return wrk.format("POST", path, headers, prefix .. id .. suffix)
end

function response(status, hdrs, resp)
  if status >= 200 and status < 300 then
    ok = ok + 1
    local id = resp:match('"subject_id"%s*:%s*"([^"]+)"')
    acked:write((id or "?MISSING-ID?") .. "\n")
    acked:flush()
  else
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write("enroll: HTTP " .. status .. " " .. resp .. "\n") end
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
    '{"type":"enroll","requests":%d,"duration_s":%.2f,"rps":%.3f,"ok_2xx":%d,"non_2xx":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"latency_ms":{"p50":%.1f,"p90":%.1f,"p99":%.1f,"max":%.1f,"mean":%.1f}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    ok_n, bad_n, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, latency.mean / 1e3))
  f:close()
end

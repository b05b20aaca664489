-- wrk script for bench/load.py: rotates through the requests of one file and counts what did not answer 2xx.
--
--   wrk -t2 -c2 -d60s --latency -s bench/load.lua http://127.0.0.1:PORT -- REQUESTS.tsv
--
-- REQUESTS.tsv (written by bench/load.py): one request a line, tab-separated, every field percent-encoded:
--   method  path?query  Accept  Content-Type  body
-- Each thread starts at a different request. Run with as many threads as connections (-tN -cN), so that a
-- thread's last request is the one its response answers and a failing response can be named.
-- At the end one line "LOAD-JSON {...}" gives the requests, wrk's error counts, our non-2xx count, the status
-- counts, the first failures and the latency percentiles (µs).

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function split_tabs(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, unescape(field))
  end
  return fields
end

local requests = {}
local paths = {}
local next_index = 1
local last_path = ""
non2xx = 0
statuses = {}
failures = ""
local failures_seen = {}
local failures_named = 0

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the request file " .. tostring(args[1]))
  for line in file:lines() do
    if line ~= "" then
      local f = split_tabs(line)
      local headers = {}
      if f[3] ~= "" then headers["Accept"] = f[3] end
      if f[4] ~= "" then headers["Content-Type"] = f[4] end
      local body = nil
      if f[5] ~= "" then body = f[5] end
      table.insert(requests, wrk.format(f[1], f[2], headers, body))
      table.insert(paths, f[1] .. " " .. f[2])
    end
  end
  file:close()
  assert(#requests > 0, "no requests in " .. args[1])
  next_index = ((id or 1) - 1) * 7 % #requests + 1
end

function request()
  local i = next_index
  next_index = next_index % #requests + 1
  last_path = paths[i]
  return requests[i]
end

local function num(x)
  if x ~= x or x == math.huge or x == -math.huge then return "null" end
  return string.format("%.1f", x)
end

local function json_string(s)
  s = s:gsub("[%c\"\\]", function(c) return string.format("\\u%04x", c:byte()) end)
  return "\"" .. s .. "\""
end

function response(status, headers, body)
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    local key = status .. " " .. last_path:sub(1, 160)
    if failures_named < 5 and not failures_seen[key] then  -- the first five distinct ones, with their answer
      failures_seen[key] = true
      failures_named = failures_named + 1
      local detail = (body or ""):sub(1, 200):gsub("%s+", " ")
      failures = failures .. key .. " → " .. detail .. "\n"
    end
  end
end

function done(summary, latency, _)
  local total_non2xx = 0
  local all_statuses = {}
  local all_failures = ""
  for _, thread in ipairs(threads) do
    total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
    for key, n in pairs(thread:get("statuses") or {}) do
      all_statuses[key] = (all_statuses[key] or 0) + n
    end
    all_failures = all_failures .. (thread:get("failures") or "")
  end
  local status_parts = {}
  for key, n in pairs(all_statuses) do
    table.insert(status_parts, json_string(key) .. ":" .. n)
  end
  local e = summary.errors
  local out = {
    "\"requests\":" .. summary.requests,
    "\"duration_us\":" .. summary.duration,
    "\"connect\":" .. e.connect, "\"read\":" .. e.read, "\"write\":" .. e.write,
    "\"status\":" .. e.status, "\"timeout\":" .. e.timeout,
    "\"non2xx\":" .. total_non2xx,
    "\"statuses\":{" .. table.concat(status_parts, ",") .. "}",
    "\"failures\":" .. json_string(all_failures),
    "\"p50_us\":" .. num(latency:percentile(50)), "\"p90_us\":" .. num(latency:percentile(90)),
    "\"p99_us\":" .. num(latency:percentile(99)), "\"max_us\":" .. num(latency.max),
    "\"mean_us\":" .. num(latency.mean),
  }
  io.write("LOAD-JSON {" .. table.concat(out, ",") .. "}\n")
end

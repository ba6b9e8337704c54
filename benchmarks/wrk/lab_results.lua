-- wrk script for benchmarks/api_capture.py: lab result POSTs, the same bodies
-- as the Python client's (every second one in mg/dL), keys unique per request.
-- Reads TOKEN, PSEUDONYMS (comma-separated), THREADS and REPORT (the path of
-- report.lua, which prints the figures) from the environment.

dofile(os.getenv("REPORT"))

local pseudonyms = {}
for value in string.gmatch(os.getenv("PSEUDONYMS"), "[^,]+") do
  pseudonyms[#pseudonyms + 1] = value
end
local threads = tonumber(os.getenv("THREADS"))
local token = os.getenv("TOKEN")
local created = 0

function setup(thread)
  thread:set("thread_id", created)
  created = created + 1
end

local sent = 0

function request()
  local n = sent * threads + thread_id
  sent = sent + 1
  local person = pseudonyms[(n % #pseudonyms) + 1]
  local day = os.date("%Y-%m-%d", os.time({year = 2026, month = 2,
    day = 1 + math.floor(n / #pseudonyms), hour = 12}))
  local mg = n % 2 == 1
  local body = string.format(
    '{"person": "%s", "sample_date": "%s", "sample_type": "capillary", ' ..
    '"unit": "%s", "total_cholesterol": "%s", "hdl_cholesterol": "%s", ' ..
    '"ldl_cholesterol": "%s", "triglycerides": "%s", "lab_sample_id": "W-%d"}',
    person, day, mg and "mg/dL" or "mmol/L", mg and "190" or "4.9",
    mg and "55" or "1.4", mg and "120" or "3.1", mg and "80" or "0.9", n)
  return wrk.format("POST", "/api/v1/lab-results/", {
    ["Authorization"] = "Token " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "wrk-" .. n,
  }, body)
end

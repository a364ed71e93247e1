-- POST /api/v1/todos/bulk with 1000 items as the scale benchmark's owner.  Arguments (after `--`):
-- access token, category id. Each item has 2-3 of the tags tag-01..tag-20, a status, a priority and
-- a due date; titles start with "scale-write ", by which bench/scale.py deletes these rows afterwards.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local statuses = { "pending", "pending", "in_progress", "completed" }
local priorities = { "low", "medium", "high", "urgent" }

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  local items = {}
  for i = 0, 999 do
    local tags = string.format('"tag-%02d","tag-%02d"', i % 20 + 1, (i + 7) % 20 + 1)
    if i % 2 == 0 then
      tags = tags .. string.format(',"tag-%02d"', (i + 13) % 20 + 1)
    end
    items[#items + 1] = string.format(
      '{"title":"scale-write bulk %d","status":"%s","priority":"%s",' ..
      '"due_date":"2027-%02d-%02dT09:00:00Z","category_id":"%s","tags":[%s]}',
      i, statuses[i % 4 + 1], priorities[math.floor(i / 4) % 4 + 1], i % 12 + 1, i % 28 + 1, args[2], tags)
  end
  wrk.body = '{"items":[' .. table.concat(items, ",") .. ']}'
end

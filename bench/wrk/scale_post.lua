-- POST /api/v1/todos as the scale benchmark's owner.  Arguments (after `--`): access token, category id.
-- The title starts with "scale-write ", by which bench/scale.py deletes these rows afterwards.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.body = string.format(
    '{"title":"scale-write single","description":"wrk POST under load","status":"pending",' ..
    '"priority":"high","due_date":"2027-01-15T09:00:00Z","category_id":"%s","tags":["tag-01","tag-02"]}',
    args[2])
end

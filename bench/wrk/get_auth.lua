-- GET with a bearer token.  Arguments (after `--`): access token.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

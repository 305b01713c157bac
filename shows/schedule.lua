-- schedule.lua - an unattended installation: the museum lights open at
-- 10:00 from Tuesday to Sunday, dim to evening a quarter of an hour before
-- sunset (worked out for Berlin, here, every day), and close at 22:00. After
-- a power cut or a restart the show catches up to the state that should be
-- live (schedule { missed = "catch_up" }): started at 15:00 it opens; at
-- 21:00 it opens and then dims. Times are local (the machine's time zone,
-- DST included).
--
--   ghostlight check shows/schedule.lua
--   TZ=Europe/Berlin ghostlight play shows/schedule.lua

show { name = "Museum", rate = 44 }
output { "house", type = "sacn", universes = {1}, interface = "127.0.0.1" }

patch { "hall", type = "generic/rgbw", universe = 1, address = 1, count = 6 }
patch { "case", type = "generic/dimmer", universe = 1, address = 101, count = 12 }

location { latitude = 52.52, longitude = 13.405 }
schedule { missed = "catch_up" }

cuelist "Day" {
  cue { 1, "Open", fade = 30, look = { hall = { intensity = 0.8, color = "#fff0e0" },
                                       case = { intensity = 1 } } },
  cue { 2, "Evening", fade = 600, look = { hall = { intensity = 0.4, color = "#ffb070" } } },
  cue { 3, "Closed", fade = 60, look = { hall = { intensity = 0 }, case = { intensity = 0.1 } } },
}

at("10:00", { days = "tue-sun" }, function(t, late) go("Day", 1) end)
at("sunset-00:15", { days = "tue-sun" }, function(t, late) go("Day", 2) end)
at("22:00", function(t, late) go("Day", 3) end)
every("hour", function(t) log(os.date("%H:%M", t) .. ": lights on schedule") end)

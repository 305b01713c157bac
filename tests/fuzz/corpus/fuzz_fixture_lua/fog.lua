-- A fog or haze machine: output and fan. Output is "control", not intensity,
-- on purpose: a blackout, the grand master or an intensity cue on "all"
-- must not fill the room with smoke. Looks set it with control = 0..1 and
-- the fan with speed = 0..1.
return {
  name = "Generic Fog / Haze",
  channels = {
    { "control", name = "Output", caps = { { 0, 9, "Off", kind = "none" },
                                            { 10, 255, "Output low to high" } } },
    { "speed", name = "Fan" },
  },
}

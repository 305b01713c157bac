-- An LED batten with 8 RGB pixels. "pixels" (26 slots) has a master dimmer,
-- a strobe and 8 heads of R, G, B: patched as "bar 1" (dimmer, strobe) and
-- "bar 1.1".."bar 1.8" (the pixels, each with a virtual intensity); a look
-- on "bar 1" reaches all nine. "single" (4 slots) drives the bar as one.
return {
  name = "Generic LED Bar 8px",
  mode_order = { "pixels", "single" },
  modes = {
    pixels = {
      "intensity",
      { "strobe", caps = { { 0, 9, "Open", kind = "open" },
                           { 10, 255, "Strobe slow to fast", kind = "strobe" } } },
      "red", "green", "blue",  "red", "green", "blue",
      "red", "green", "blue",  "red", "green", "blue",
      "red", "green", "blue",  "red", "green", "blue",
      "red", "green", "blue",  "red", "green", "blue",
      heads = {
        { 3, 4, 5 }, { 6, 7, 8 }, { 9, 10, 11 }, { 12, 13, 14 },
        { 15, 16, 17 }, { 18, 19, 20 }, { 21, 22, 23 }, { 24, 25, 26 },
      },
    },
    single = { "intensity", "red", "green", "blue" },
  },
}

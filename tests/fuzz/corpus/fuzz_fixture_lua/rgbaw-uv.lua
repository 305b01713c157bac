-- A hex LED par: red, green, blue, amber, white and UV with a master dimmer.
-- A look colour mixes into R, G, B with white and amber extracted; UV is
-- set on its own (uv = 0..1).
return {
  name = "Generic RGBAW+UV",
  physical = { emitters = {
    { "red", "#ff0000" }, { "green", "#00ff00" }, { "blue", "#0000ff" },
    { "amber", "#ffbf00" }, { "white", "#ffffff" }, { "uv", "#7f00ff" },
  } },
  mode_order = { "8ch", "6ch" },
  modes = {
    ["8ch"] = {
      { "intensity", highlight = 1 },
      "red", "green", "blue", "amber", "white", "uv",
      { "strobe", caps = {
        { 0, 9, "Open", kind = "open" },
        { 10, 255, "Strobe slow to fast", kind = "strobe" },
      } },
    },
    -- no dimmer: intensity is virtual (it scales the emitters)
    ["6ch"] = { "red", "green", "blue", "amber", "white", "uv" },
  },
}

-- A strobe (discharge or LED blinder): intensity and flash rate. Rate 0
-- means no flashing (steady light at the intensity).
return {
  name = "Generic Strobe",
  channels = {
    { "intensity", highlight = 1 },
    { "strobe", caps = { { 0, 9, "No flash", kind = "open" },
                         { 10, 255, "Flash rate slow to fast", kind = "strobe" } } },
  },
}

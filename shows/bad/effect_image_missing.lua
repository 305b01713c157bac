-- checks: an image an effect maps must decode, named with why. expect line 6: effect "pic": image "nothere.png":
show { name = "No image" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/rgb", universe = 1, address = 1, count = 4 }
matrix { "m", fixtures = "a", width = 2 }
effect { "pic", matrix = "m", wave = "image", image = "nothere.png" }

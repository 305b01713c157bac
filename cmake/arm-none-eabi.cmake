# arm-none-eabi.cmake - toolchain file for the node firmware images
# (firmware/cross/): Debian's gcc-arm-none-eabi, bare metal, no libc of
# the toolchain's (the ports bring the four functions they use).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# a bare-metal compiler cannot link a test program without a start file
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
find_program(CMAKE_OBJCOPY arm-none-eabi-objcopy REQUIRED)
find_program(GL_ARM_SIZE arm-none-eabi-size REQUIRED)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# GhostlightParts.cmake - how a part of the tree becomes a target.
#
# A part (engine/, fixtures/, outputs/..., scripts/, app/) is one static
# library. It owns its flags (gl_target_defaults) and says which of its
# headers other parts may include (gl_public_headers): those are linked into
# build/include/<target>/ under their path in the tree, and only that folder
# is on the include path of whoever links the target. Everything else in the
# part is private: reachable from its own folder only. Includes are written
# from the tree's root ("engine/engine.h") or, for a private header, relative
# to the including file's folder; "../" is refused by tools/check_tree.sh.

# Warnings, the feature macros and the build's instrumentation, for one target.
function(gl_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wno-unused-parameter)
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  target_link_libraries(${target} PRIVATE gl_instrument)
endfunction()

# gl_public_headers(target header...): headers relative to the calling
# CMakeLists' folder.
function(gl_public_headers target)
  set(stage ${CMAKE_BINARY_DIR}/include/${target})
  foreach(header ${ARGN})
    set(src ${CMAKE_CURRENT_SOURCE_DIR}/${header})
    if(NOT EXISTS ${src})
      message(FATAL_ERROR "gl_public_headers(${target}): no ${src}")
    endif()
    file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${src})
    get_filename_component(dir ${stage}/${rel} DIRECTORY)
    file(MAKE_DIRECTORY ${dir})
    file(CREATE_LINK ${src} ${stage}/${rel} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PUBLIC ${stage})
endfunction()

# gl_add_part(target SOURCES... ): a static library with the defaults.
function(gl_add_part target)
  add_library(${target} STATIC ${ARGN})
  gl_target_defaults(${target})
endfunction()

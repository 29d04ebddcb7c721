# Warnings and sanitizers shared by every target of the project.
add_library(tdump_options INTERFACE)
target_compile_options(tdump_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wno-missing-field-initializers -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
target_compile_definitions(tdump_options INTERFACE
  TDUMP_VERSION="${PROJECT_VERSION}")

if(TDUMP_SANITIZE)
  set(TDUMP_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                            -fno-sanitize-recover=undefined)
  add_compile_options(${TDUMP_SANITIZER_FLAGS})
  add_link_options(${TDUMP_SANITIZER_FLAGS})
endif()

if(TDUMP_BUILD_FUZZ)
  # Libraries get coverage instrumentation; fuzz targets link the libFuzzer main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

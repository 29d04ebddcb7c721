# tdump_add_test(NAME SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s])
# One GoogleTest binary = one CTest test, so a suite's servers start once per binary.
# Labels: `unit` (no servers, also run under the sanitizer preset), `integration` (real servers),
# `oracle` (GDAL/libtiff), `fuzz`.
function(tdump_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE tdump_test_support GTest::gtest_main ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()

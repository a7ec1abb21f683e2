# Helpers that give every Candor target the same flags, include paths and tests.
#
#   candor_library(NAME SOURCES a.cc b.cc DEPS candor_common OpenCV...)
#   candor_test(NAME SOURCES a_test.cc DEPS candor_image [LABELS slow])
#   candor_executable(NAME SOURCES main.cc DEPS ...)

set(CANDOR_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)

function(candor_apply_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter
                         -Wno-missing-field-initializers)
  if(CANDOR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_compile_definitions(${target} PRIVATE
    CANDOR_SOURCE_DIR="${CANDOR_ROOT}"
    CANDOR_DEFAULT_MODEL_DIR="${CANDOR_DEFAULT_MODEL_DIR}"
    CANDOR_VERSION="${PROJECT_VERSION}")
  if(CANDOR_SANITIZER)
    target_compile_options(${target} PRIVATE -fsanitize=${CANDOR_SANITIZER} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${CANDOR_SANITIZER})
  endif()
endfunction()

function(candor_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CANDOR_ROOT}/include PRIVATE ${CANDOR_ROOT}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  candor_apply_flags(${name})
endfunction()

function(candor_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CANDOR_ROOT}/include ${CANDOR_ROOT}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  candor_apply_flags(${name})
endfunction()

# Tests are discovered per case so ctest reports each one; a test that needs
# ../shared/data or converted models skips with a message when they are absent.
function(candor_test name)
  if(NOT CANDOR_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS;PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CANDOR_ROOT}/include ${CANDOR_ROOT}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  candor_apply_flags(${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  # An empty LABELS value would swallow the next key (ctest then read
  # "ENVIRONMENT" as the label and dropped the variable), so add it only when set.
  set(props TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT "CANDOR_SOURCE_DIR=${CANDOR_ROOT}")
  if(ARG_LABELS)
    list(APPEND props LABELS ${ARG_LABELS})
  endif()
  list(APPEND props ${ARG_PROPERTIES})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${props})
endfunction()

# Command-line options for natsd: Options, Go-style flag parsing and --signal. Included from
# src/server/CMakeLists.txt; paths are relative to this file so the include point doesn't matter.
add_library(nats_server_options
  ${CMAKE_CURRENT_LIST_DIR}/flags.cc
  ${CMAKE_CURRENT_LIST_DIR}/signal_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/config_options.cc
  ${CMAKE_CURRENT_LIST_DIR}/config_accounts.cc
  ${CMAKE_CURRENT_LIST_DIR}/config_tls.cc)
target_include_directories(nats_server_options PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(nats_server_options PUBLIC nats_base nats_config nats_crypto nats_net
  nats_server_routing fmt::fmt)
nats_unit_test(flags_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/flags_test.cc LIBS nats_server_options)

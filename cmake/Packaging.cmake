# Installation layout and the Debian package (CPack DEB generator; docs/operations.md).
#
#   cmake --build build/release --target package     → build/release/parthenon_<version>_<arch>.deb
#
# The package installs /usr/bin/parthenon-node and parthenon-cli, their man pages (generated
# from --help by help2man at build time), the systemd unit into /lib/systemd/system, the
# configuration /etc/parthenon/parthenon.conf (a conffile: every key, commented out, at its
# default) and the documentation into /usr/share/doc/parthenon.

include(GNUInstallDirs)

install(TARGETS parthenon-node parthenon-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/contrib/systemd/parthenon-node.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/parthenon.conf.sample DESTINATION /etc/parthenon
        RENAME parthenon.conf PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/contrib/parthenon.conf.sample
              ${PROJECT_SOURCE_DIR}/docs/configuration.md ${PROJECT_SOURCE_DIR}/docs/rpc.md
              ${PROJECT_SOURCE_DIR}/docs/operations.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/contrib/grafana/parthenon.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/grafana)

# Man pages from --help (help2man, a Debian package), generated at build time. Without help2man
# the package has none. Off by default in sanitizer and fuzzer builds, whose binaries are not
# packaged (and would run instrumented at build time).
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  set(man_pages_default OFF)
else()
  set(man_pages_default ON)
endif()
option(PARTHENON_MAN_PAGES "Generate the man pages with help2man" ${man_pages_default})
if(PARTHENON_MAN_PAGES)
  find_program(HELP2MAN help2man)
endif()
if(PARTHENON_MAN_PAGES AND HELP2MAN)
  set(man_pages)
  foreach(program parthenon-node parthenon-cli)
    if(program STREQUAL "parthenon-node")
      set(summary "full node of the Parthenon network")
    else()
      set(summary "call a method of a running parthenon-node over JSON-RPC")
    endif()
    set(page ${CMAKE_CURRENT_BINARY_DIR}/man/${program}.1)
    add_custom_command(
      OUTPUT ${page}.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
      COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
              --name=${summary} --section=1 --output=${page} $<TARGET_FILE:${program}>
      COMMAND gzip -9nf ${page}
      DEPENDS ${program}
      COMMENT "Generating the man page of ${program} from its --help"
      VERBATIM)
    list(APPEND man_pages ${page}.gz)
  endforeach()
  add_custom_target(man_pages ALL DEPENDS ${man_pages})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
elseif(PARTHENON_MAN_PAGES)
  message(STATUS "help2man not found: the package will have no man pages (scripts/install-deps.sh installs it)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parthenon)
set(CPACK_PACKAGE_VENDOR "Parthenon developers")
set(CPACK_PACKAGE_CONTACT "Parthenon developers <parthenon@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Full node of the Parthenon proof-of-work network (Bitcoin wire protocol)")
set(CPACK_PACKAGE_DESCRIPTION "parthenon-node validates and relays the Parthenon block chain over the Bitcoin\n\
P2P protocol, with a scored peer database, bans, TLS links, rate limits and Prometheus metrics;\n\
parthenon-cli talks to it over JSON-RPC. A hardened systemd unit is included (not enabled).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dpkg-shlibdeps (dpkg-dev) derives Depends from the binaries
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/contrib/debian/conffiles
    ${PROJECT_SOURCE_DIR}/contrib/debian/postinst
    ${PROJECT_SOURCE_DIR}/contrib/debian/prerm
    ${PROJECT_SOURCE_DIR}/contrib/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

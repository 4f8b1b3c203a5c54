# The Debian package (`cpack -G DEB` in a build folder): vigild, vigil,
# libvigil_client.so and vigil_client.h, the systemd unit, the example
# /etc/vigil/vigil.toml (a conffile), /var/lib/vigil, and maintainer scripts
# that add the vigil system user. Dependencies come from dpkg-shlibdeps.
# Binaries target the baseline x86-64 ISA (engines dispatch at run time), so
# a -march=native build is refused here.
include(GNUInstallDirs)
set(_pkg ${CMAKE_SOURCE_DIR}/tools/packaging)

install(TARGETS vigil RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(daemon vigild)
  if(TARGET ${daemon})
    install(TARGETS ${daemon} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
if(TARGET vigil_client)
  install(TARGETS vigil_client LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  get_target_property(_client_dirs vigil_client INTERFACE_INCLUDE_DIRECTORIES)
  foreach(dir ${_client_dirs})
    if(EXISTS ${dir}/vigil_client.h)
      install(FILES ${dir}/vigil_client.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
    endif()
  endforeach()
endif()
install(FILES ${CMAKE_SOURCE_DIR}/tools/systemd/vigild.service DESTINATION /lib/systemd/system)
install(FILES ${_pkg}/vigil.toml DESTINATION /etc/vigil)
install(DIRECTORY DESTINATION /var/lib/vigil)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vigil)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Vigil developers <vigil@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Vigil consensus validator: vigild, the vigil tool, libvigil_client")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libcudart is linked statically and the NVIDIA driver is optional (the CPU
# engine verifies without it), so no CUDA package is a dependency.
set(CPACK_DEBIAN_PACKAGE_PREDEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "chrony, dpdk")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${_pkg}/conffiles ${_pkg}/postinst ${_pkg}/prerm ${_pkg}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# conffiles lists /etc/vigil/vigil.toml, so local edits survive upgrades.
set(CPACK_STRIP_FILES ON)

if(VIGIL_NATIVE)
  message(WARNING "VIGIL_NATIVE=ON: binaries use this CPU's instructions; "
                  "configure with the package preset before `cpack -G DEB`")
endif()
include(CPack)

# The default database: build/irtcat.db made from the shipped text banks by the built irtcat tool, so that a
# fresh `cmake --build` gives a ready store. The tool finds it at the path compiled in here (IRTCAT_DEFAULT_DB),
# unless --db FILE or $IRTCAT_DB names another, and makes it itself on first use if it was deleted. An installed irtcat
# does not use it: its default database is $XDG_DATA_HOME/irtcat/irtcat.db (src/cli/default_database.cpp).
# Included after the irtcat_cli and irtcat_cli_commands targets are defined.

set(IRTCAT_SHIPPED_BANKS
  algorithmic_coding data_science deep_learning machine_learning mathematics software_engineering)
set(IRTCAT_DEFAULT_DB "${PROJECT_BINARY_DIR}/irtcat.db")

set(_irtcat_bank_files "")
foreach(_bank IN LISTS IRTCAT_SHIPPED_BANKS)
  list(APPEND _irtcat_bank_files "${PROJECT_SOURCE_DIR}/item_banks/${_bank}.json")
endforeach()
# The shipped designs, stored for every bank (a design file that did not change stores nothing new).
file(GLOB _irtcat_design_files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/item_banks/designs/*.json")
list(SORT _irtcat_design_files)
list(JOIN IRTCAT_SHIPPED_BANKS "," _irtcat_bank_names)

target_compile_definitions(irtcat_cli_commands PRIVATE
  IRTCAT_DEFAULT_DB="${IRTCAT_DEFAULT_DB}"
  IRTCAT_DEFAULT_BANKS="${_irtcat_bank_names}")

# Re-imports when a bank file or the tool changes: an edited bank replaces the stored one (--replace, since a
# bank under review may change without a new version number); unchanged banks and the stored sessions stay.
# The touch marks the database newer than its inputs even when no bank changed.
add_custom_command(
  OUTPUT "${IRTCAT_DEFAULT_DB}"
  COMMAND irtcat_cli bank import --replace --db "${IRTCAT_DEFAULT_DB}" ${_irtcat_bank_files}
  COMMAND irtcat_cli design import --db "${IRTCAT_DEFAULT_DB}" ${_irtcat_design_files}
  COMMAND ${CMAKE_COMMAND} -E touch "${IRTCAT_DEFAULT_DB}"
  DEPENDS irtcat_cli ${_irtcat_bank_files} ${_irtcat_design_files}
  COMMENT "Building the default database ${IRTCAT_DEFAULT_DB} from item_banks/"
  VERBATIM)
add_custom_target(irtcat_database ALL DEPENDS "${IRTCAT_DEFAULT_DB}")

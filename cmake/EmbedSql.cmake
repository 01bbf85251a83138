# signet_embed_sql(OUT_CPP NAMESPACE FILES...): writes a .cpp that defines
#   const std::vector<signet::store::migration>& <namespace>::migrations()
# with each file's number (from its NNN_ prefix), name and text, in order.
function(signet_embed_sql out_cpp ns)
  set(body "")
  foreach(f IN LISTS ARGN)
    get_filename_component(name "${f}" NAME_WE)
    string(REGEX MATCH "^[0-9]+" num "${name}")
    file(READ "${f}" sql)
    string(APPEND body "    {${num}, \"${name}\", R\"signetsql(${sql})signetsql\"},\n")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${f}")
  endforeach()
  file(CONFIGURE OUTPUT "${out_cpp}" CONTENT
"// Generated from migrations/*.sql by cmake/EmbedSql.cmake. Do not edit.
#include \"signet/store/migration.hpp\"
namespace ${ns} {
const std::vector<signet::store::migration>& migrations() {
  static const std::vector<signet::store::migration> all = {
${body}  };
  return all;
}
}  // namespace ${ns}
" @ONLY)
endfunction()

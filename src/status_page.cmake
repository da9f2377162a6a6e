# Writes OUT, a C++ file defining baton::server::kStatusPage with the bytes of
# IN (the status page), as a raw string literal. Run at build time.
file(READ ${IN} page)
string(FIND "${page}" ")baton_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )baton_page\"")
endif()
file(WRITE ${OUT}.tmp "// Generated from src/server/status_page.html by src/status_page.cmake; do not edit.\n#include \"server/status_page.hpp\"\nnamespace baton::server {\nstatic constexpr char kPageBytes[] = R\"baton_page(${page})baton_page\";\nconst std::string_view kStatusPage(kPageBytes, sizeof kPageBytes - 1);\n}  // namespace baton::server\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)

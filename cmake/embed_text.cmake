# Embeds a text file in the binary as a C string: run by add_custom_command (see the top-level
# CMakeLists.txt) as `cmake -DIN=file[|file...] -DOUT=file.c -DSYMBOL=name -DHEADER=include -P this`.
# Blank lines and lines holding only a `--` comment are left out (the file is Lua: its
# comments are for people, not for the server that loads it). Every byte is written as a hex
# escape, so no character of the text needs quoting in C.
foreach(v IN ITEMS IN OUT SYMBOL HEADER)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "embed_text.cmake: -D${v}= is required")
  endif()
endforeach()

# IN may name several files separated by '|': their texts are joined in that order.
string(REPLACE "|" ";" ins "${IN}")
set(text "")
foreach(f ${ins})
  file(READ "${f}" part)
  string(APPEND text "${part}")
endforeach()
# A line goes with the newline before it (one is put in front of the first line for that).
set(text "\n${text}")
set(before "")
while(NOT before STREQUAL text)
  set(before "${text}")
  string(REGEX REPLACE "\n[ \t]*(--[^\n]*)?\n" "\n" text "${text}")
endwhile()
string(REGEX REPLACE "^\n" "" text "${text}")
string(HEX "${text}" hex)
string(LENGTH "${hex}" len)
set(body "")
set(at 0)
while(at LESS len)
  string(SUBSTRING "${hex}" ${at} 32 chunk)
  string(REGEX REPLACE "(..)" "\\\\x\\1" chunk "${chunk}")
  string(APPEND body "    \"${chunk}\"\n")
  math(EXPR at "${at} + 32")
endwhile()
set(name "")
foreach(f ${ins})
  get_filename_component(n "${f}" NAME)
  string(APPEND name " ${n}")
endforeach()
string(STRIP "${name}" name)
file(WRITE "${OUT}.tmp"
     "/* Generated at build time from ${name} by cmake/embed_text.cmake: do not edit. */\n"
     "#include \"${HEADER}\"\n\n"
     "const char ${SYMBOL}[] =\n${body};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")

-- SPDX-License-Identifier: GPL-2.0-or-later
--
-- failures-per-server.lua: a tshark tap that reads the tlsdiag plugin's
-- fields like any other field and counts the flagged frames per server and
-- flag. A starting point for scripts of your own:
--
--   tshark -r CAPTURE -2 -q -X lua_script:docs/lua/failures-per-server.lua
--
-- prints one line per server and flag, most frequent first:
--
--   10.213.0.1:443 handshake_aborted 2
--
-- (with the plugin of a build tree: build/tlsdiag-tshark instead of tshark,
-- and an absolute path to the script: as root it runs tshark elsewhere).

-- Field.new must run when the script loads, before any frame is dissected.
local flag_field = Field.new("tlsdiag.flag")
local server_field = Field.new("tlsdiag.server")

local counts = {}

-- The filter keeps the tap to the frames the plugin flagged.
local tap = Listener.new("frame", "tlsdiag.flag")

function tap.packet(pinfo, tvb)
    local flag = flag_field()
    if not flag then
        return
    end
    local server = server_field()
    local key = (server and tostring(server.value) or "?") .. " " .. tostring(flag.value)
    counts[key] = (counts[key] or 0) + 1
end

function tap.draw()
    local keys = {}
    for key in pairs(counts) do
        keys[#keys + 1] = key
    end
    table.sort(keys, function(a, b)
        if counts[a] ~= counts[b] then
            return counts[a] > counts[b]
        end
        return a < b
    end)
    for _, key in ipairs(keys) do
        print(key .. " " .. counts[key])
    end
end

function tap.reset()
    counts = {}
end

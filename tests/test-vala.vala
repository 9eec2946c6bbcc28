/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Vala bindings (cnet-1.vapi, generated from the GIR) build and work:
 * a mempool, a batch, its operations and an error caught by code.
 */
int main () {
    try {
        var pool = new Cnet.Mempool (16, 2048, 0);
        var batch = new Cnet.Batch (8);
        assert (batch.alloc (pool, 4) == 4);
        uint8[] frame = new uint8[64];
        frame[12] = 0x08;
        frame[0] = 1;
        batch.set_data (frame);
        assert (batch.swap_macs () == 4);
        assert (batch.keep (Cnet.BatchMatch.ETHERTYPE, 0x0800) == 0);
        uint[] lengths;
        var joined = batch.copy_joined (6, out lengths);
        assert (lengths.length == 4 && lengths[0] == 58);
        assert (joined.get_data ()[0] == 1);
        var packet = batch.get_packet (2);
        assert (packet.get_length () == 64);
        try {
            batch.get_packet (9);
            assert_not_reached ();
        } catch (Cnet.Error.OUT_OF_RANGE e) {
        }
        batch.clear ();
        packet = null;
        assert (pool.get_n_in_use () == 0);
    } catch (Error e) {
        stderr.printf ("test-vala: %s\n", e.message);
        return 1;
    }
    print ("test-vala: ok\n");
    return 0;
}

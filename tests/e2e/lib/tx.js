// Sending a transaction from a test: signed, included in a block, and its failure named by the
// chain's own error (`pallet.Error`), a failed `sudo.sudo` included.

/**
 * Signs and sends `tx` with `signer`; resolves with the block's events for it once included,
 * rejects with `"<what> failed: <section>.<error>"` if it fails (or its sudo call does), and
 * with a timeout after 30 s.
 */
export function send(tx, signer, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} not included within 30 s`)), 30_000);
    tx.signAndSend(signer, ({ status, dispatchError, events }) => {
      if (dispatchError) {
        clearTimeout(timer);
        const { section, name } = dispatchError.isModule ? tx.registry.findMetaError(dispatchError.asModule) : {};
        reject(new Error(`${what} failed: ${section ? `${section}.${name}` : dispatchError.toString()}`));
      } else if (status.isInBlock) {
        clearTimeout(timer);
        const sudid = events.find(({ event }) => event.section === 'sudo' && event.method === 'Sudid' && event.data[0].isErr);
        if (sudid) {
          const error = sudid.event.data[0].asErr;
          const { section, name } = error.isModule ? tx.registry.findMetaError(error.asModule) : {};
          reject(new Error(`${what} failed under sudo: ${section ? `${section}.${name}` : error.toString()}`));
        }
        else resolve(events);
      }
    }).catch((e) => { clearTimeout(timer); reject(e); });
  });
}

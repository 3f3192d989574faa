//! The frame decoder over a stream delivered in arbitrary chunks: frames never exceed the
//! limit, never invent bytes, and come out the same however the stream is chunked.
#![no_main]

use kazoo_proto::FrameDecoder;
use libfuzzer_sys::fuzz_target;

fn run(max: usize, stream: &[u8], chunk: usize) -> (Vec<Vec<u8>>, bool) {
    let mut dec = FrameDecoder::with_max_frame_len(max);
    let mut frames = Vec::new();
    let mut failed = false;
    for part in stream.chunks(chunk.max(1)) {
        dec.feed(part);
        loop {
            match dec.next_frame() {
                Ok(Some(f)) => {
                    assert!(f.len() <= max);
                    frames.push(f.to_vec());
                }
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            break;
        }
    }
    let consumed: usize = frames.iter().map(|f| 4 + f.len()).sum();
    assert!(consumed <= stream.len());
    (frames, failed)
}

fuzz_target!(|data: &[u8]| {
    let Some((&cfg, stream)) = data.split_first() else {
        return;
    };
    let max = usize::from(cfg) * 4;
    let whole = run(max, stream, stream.len());
    let split = run(max, stream, usize::from(cfg % 7) + 1);
    assert_eq!(whole, split);
});

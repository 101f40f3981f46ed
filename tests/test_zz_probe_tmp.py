from tests.test_sendbird_block import create, block_path
def test_probe(sb):
    create(sb, "alice")
    r = sb.delete(block_path("alice"))
    print("PROBE", r.status_code, r.text)
    r = sb.post(block_path("alice"), json={"target_id": ""})
    print("PROBE", r.status_code, r.text)

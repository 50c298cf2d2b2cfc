"""What the public sees (公开): the public-service table, published 双随机 results and circulars,
each inside its publicity period — the queries behind the pages anyone may open without signing
in. Nothing here returns a field that is not public."""

/** An unsigned-looking JWT with the given claims (decoding only; nothing verifies the signature). */
export const jwt = (claims: object) => `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`;

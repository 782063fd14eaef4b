<?php
// Mint a bbb-edge join token in PHP, standard library only.
//   JWT_SECRET=… JWT_ISSUER=… JWT_AUDIENCE=… php mint-join-token.php MEETING "NAME" [ROLE,…]

function b64url(string $data): string
{
    return rtrim(strtr(base64_encode($data), '+/', '-_'), '=');
}

[$script, $meeting, $name] = $argv;
$roles = isset($argv[3]) && $argv[3] !== '' ? explode(',', $argv[3]) : [];
$now = time();
$claims = [
    'iss' => getenv('JWT_ISSUER'),
    'aud' => getenv('JWT_AUDIENCE'),
    'iat' => $now,
    'exp' => $now + 120, // short-lived: at most JWT_MAX_AGE_SECONDS (300 by default)
    'jti' => bin2hex(random_bytes(16)), // single use
    'sub' => 'user-' . preg_replace('/\W+/u', '-', strtolower($name)), // your stable user id
    'name' => $name,
    'meeting' => $meeting,
    'roles' => $roles,
];
$input = b64url(json_encode(['alg' => 'HS256', 'typ' => 'JWT']))
    . '.' . b64url(json_encode($claims, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES));
echo $input . '.' . b64url(hash_hmac('sha256', $input, getenv('JWT_SECRET'), true)) . "\n";

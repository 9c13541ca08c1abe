curl https://a.example/1 \
  --json '{"x":1}' --json '{"y":2}'
curl -G https://a.example/2 --data-urlencode 'q=a b' -u user:pass
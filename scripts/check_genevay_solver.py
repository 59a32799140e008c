#!/usr/bin/python3
# Measures how far mke_tf.py's Sinkhorn update (audeg/Sinkhorn-GAN@50e542c, l. 44-46:
# 1e-6 added inside the log) is from an exact log-domain Sinkhorn after L = 1, 10, 50
# iterations at eps = 1 on MNIST-scale squared costs. Run from the workspace root:
#   /usr/bin/python3 scripts/check_genevay_solver.py
# Compare mke_tf.py's Sinkhorn (1e-6 inside the log) with an exact log-domain one
# on a real MNIST batch vs a "generated" batch (another MNIST batch, blurred).
import numpy as np
from scipy.special import logsumexp
raw=open('data/mnist/train-images-idx3-ubyte','rb').read()
X=np.frombuffer(raw,dtype=np.uint8,offset=16).reshape(-1,784).astype(np.float64)/255
rng=np.random.default_rng(0)
x=X[rng.choice(60000,300,replace=False)]; y=X[rng.choice(60000,300,replace=False)]
y=0.5*y+0.25  # a blurry "generator"
C=(x*x).sum(1)[:,None]+(y*y).sum(1)[None,:]-2*x@y.T
eps=1.0; N=M=300
def official(L):
    u=np.zeros(N); v=np.zeros(M)
    for _ in range(L):
        Ku=np.exp(-(C-u[:,None]-v[None,:])/eps).sum(1); u=eps*(np.log(1/N)-np.log(Ku+1e-6))+u
        Kv=np.exp(-(C-u[:,None]-v[None,:])/eps).sum(0); v=eps*(np.log(1/M)-np.log(Kv+1e-6))+v
    P=np.exp(-(C-u[:,None]-v[None,:])/eps); return P
def exact(L):
    f=np.zeros(N); g=np.zeros(M)
    for _ in range(L):
        f=-eps*logsumexp((g[None,:]-C)/eps+np.log(1/M),axis=1)
        g=-eps*logsumexp((f[:,None]-C)/eps+np.log(1/N),axis=0)
    return np.exp((f[:,None]+g[None,:]-C)/eps)/(N*M)
print("C range %.1f..%.1f"%(C.min(),C.max()))
for L in [1,10,50]:
    Po,Pe=official(L),exact(L)
    print(L,"mass official %.4f exact %.4f  <P,C> official %.3f exact %.3f  L1(Po-Pe) %.3e"%(Po.sum(),Pe.sum(),(Po*C).sum(),(Pe*C).sum(),abs(Po-Pe).sum()))
